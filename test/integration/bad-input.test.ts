/**
 * The bad-input corpus (bad-input/corpus.ts) sent over real HTTP to the local stack's gateway:
 * every malformed request gets a 4xx in the documented error shape with its expected code, the
 * message names the field at fault, the answer agrees with the OpenAPI document where it
 * describes the path, nothing answers 5xx or hangs, and the stack keeps serving.
 */
import { openApiDocument } from '../../core/api/openapi';
import { expectErrorBody, expectOpenApiAnswer, parseAnswer } from '../unit/fuzz/answer-shape';
import { OpenApiValidator } from '../unit/core/api/validate';
import { pipeline } from './pipeline-spec';
import { badInputCorpus } from './bad-input/corpus';
import { sendRaw } from './bad-input/raw-http';
import { apiUrl } from './helpers';

const corpus = badInputCorpus();
const openApi = new OpenApiValidator(openApiDocument(pipeline));

/** The path of a raw request-target, when it is one a URL can be made of. */
function pathOf(target: string): string | undefined {
  try {
    return new URL(target, 'http://127.0.0.1').pathname;
  } catch {
    return undefined;
  }
}

describe('bad input on the HTTP API', () => {
  it('has at least 200 cases across its 13 categories', () => {
    // Assess
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpus.map((c) => c.category)).size).toBe(13);
  });

  it.each(corpus.map((c) => [`${c.category}: ${c.name}`, c] as const))(
    'answers %s with its documented 4xx',
    async (_, { request, expected }) => {
      // Act
      const answer = await sendRaw(apiUrl(), request);

      // Assess
      expect({ status: answer.status, body: answer.body.toString('utf8').slice(0, 300) }).toMatchObject({ status: expected.status });
      const parsed = parseAnswer(answer.body.toString('utf8'));
      const body = expectErrorBody(parsed, answer.status);
      const path = pathOf(request.target);
      if (path !== undefined) expectOpenApiAnswer(openApi, request.method, path, answer.status, parsed);
      expect(body.error_code).toBe(expected.code);
      if (expected.field !== undefined) expect(body.message).toContain(expected.field);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(answer.headers)).not.toEqual(expect.arrayContaining(['set-cookie']));
      expect(Object.keys(answer.headers)).not.toEqual(expect.arrayContaining(['x-injected']));
    },
  );

  it('keeps serving after the whole corpus', async () => {
    // Act
    const health = await sendRaw(apiUrl(), { method: 'GET', target: '/health' });
    const topics = await sendRaw(apiUrl(), { method: 'GET', target: '/topics' });
    const results = await sendRaw(apiUrl(), { method: 'GET', target: '/results/peso-acima-80?limit=1' });

    // Assess
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString('utf8'))).toMatchObject({ ok: true });
    expect(topics.status).toBe(200);
    expect(results.status).toBe(200);
  });
});
