import type { APIGatewayProxyEvent } from 'aws-lambda';
import { request } from 'node:http';
import { startGateway, type Gateway } from '../../../../local/emulation/gateway';
import type { InvocationResult, Invoker } from '../../../../local/emulation/runtime/local-function';
import { sendRaw, type RawRequest } from '../../../integration/bad-input/raw-http';

/** A fake function that records its events and answers what it is told. */
class FakeFunction implements Invoker {
  public readonly events: APIGatewayProxyEvent[] = [];
  public constructor(private readonly answer: (event: APIGatewayProxyEvent) => InvocationResult) {}
  public async invoke(event: unknown): Promise<InvocationResult> {
    this.events.push(event as APIGatewayProxyEvent);
    return this.answer(event as APIGatewayProxyEvent);
  }
}

const ok = (payload: unknown): InvocationResult => ({ ok: true, payload, requestId: 'r', durationMs: 1 });
let gateway: Gateway | undefined;

async function start(
  producer: FakeFunction,
  results = new FakeFunction(() => ok({ statusCode: 200, body: '{}' })),
  maxPayloadBytes?: number,
) {
  gateway = await startGateway({
    functions: { producer, results },
    port: 0,
    maxPayloadBytes,
    health: async () => ({ ok: false, kafka: { ok: false } }),
  });
  return gateway;
}

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

describe('local gateway', () => {
  it('turns a request into an API Gateway REST proxy event and the handler answer into the response', async () => {
    // Prepare
    const producer = new FakeFunction(() => ok({ statusCode: 207, headers: { 'X-Answer': 'yes' }, body: '{"results":[]}' }));
    const { url } = await start(producer);

    // Act
    const response = await fetch(`${url}/topics/caf%C3%A9/records?a=1&a=2&b=x`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k1' },
      body: '{"value":{"peso":81}}',
    });

    // Assess
    expect(response.status).toBe(207);
    expect(response.headers.get('x-answer')).toBe('yes');
    expect(await response.text()).toBe('{"results":[]}');
    const [event] = producer.events;
    expect(event).toMatchObject({
      resource: '/topics/{topic}/records',
      path: '/topics/caf%C3%A9/records',
      httpMethod: 'POST',
      pathParameters: { topic: 'café' },
      queryStringParameters: { a: '2', b: 'x' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: ['x'] },
      body: '{"value":{"peso":81}}',
      isBase64Encoded: false,
      stageVariables: null,
      requestContext: { stage: 'local', httpMethod: 'POST', resourcePath: '/topics/{topic}/records', identity: { sourceIp: '127.0.0.1' } },
    });
    expect(event.headers['Idempotency-Key']).toBe('k1');
    expect(event.multiValueHeaders['Idempotency-Key']).toEqual(['k1']);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends GET requests without a body or query as null fields, to the handler the route names', async () => {
    // Prepare
    const producer = new FakeFunction(() => ok({ statusCode: 500, body: '' }));
    const results = new FakeFunction(() => ok({ statusCode: 200, body: '{"consumer":"c"}' }));
    const { url } = await start(producer, results);

    // Act
    const response = await fetch(`${url}/results/peso-acima-80`);

    // Assess
    expect(response.status).toBe(200);
    expect(producer.events).toHaveLength(0);
    expect(results.events[0]).toMatchObject({
      body: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { consumer: 'peso-acima-80' },
    });
  });

  it('answers an unknown route with 404 and a known path with the wrong method with 405', async () => {
    // Prepare
    const { url } = await start(new FakeFunction(() => ok({ statusCode: 200, body: '' })));

    // Act
    const missing = await fetch(`${url}/nowhere`);
    const wrongMethod = await fetch(`${url}/topics`, { method: 'DELETE' });

    // Assess
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error_code: 40404, message: 'no route for GET /nowhere' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toMatchObject({ error_code: 40501 });
  });

  it('passes a query parameter named __proto__ as any other', async () => {
    // Prepare
    const results = new FakeFunction(() => ok({ statusCode: 200, body: '{}' }));
    const { url } = await start(new FakeFunction(() => ok({ statusCode: 200, body: '' })), results);

    // Act
    const response = await fetch(`${url}/dlq?__proto__=a&__proto__=b`);

    // Assess
    expect(response.status).toBe(200);
    expect(Object.getOwnPropertyDescriptor(results.events[0].queryStringParameters, '__proto__')?.value).toBe('b');
    expect(Object.getOwnPropertyDescriptor(results.events[0].multiValueQueryStringParameters, '__proto__')?.value).toEqual(['a', 'b']);
  });

  it('answers TRACE on /health and a local route with 405 and the methods they take', async () => {
    // Prepare: fetch refuses to send TRACE, so node:http sends it
    const { url } = await start(new FakeFunction(() => ok({ statusCode: 200, body: '' })));
    const trace = (path: string) =>
      new Promise<{ status: number; allow: string | undefined }>((resolve, reject) => {
        request(`${url}${path}`, { method: 'TRACE' }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, allow: res.headers.allow });
        })
          .on('error', reject)
          .end();
      });

    // Act
    const answers = [await trace('/health'), await trace('/topics/health/records')];

    // Assess
    expect(answers).toEqual([
      { status: 405, allow: 'GET' },
      { status: 405, allow: 'POST' },
    ]);
  });

  it('rejects a body over the payload limit with 413 without invoking the handler', async () => {
    // Prepare
    const producer = new FakeFunction(() => ok({ statusCode: 200, body: '' }));
    const { url } = await start(producer, undefined, 100);

    // Act
    const response = await fetch(`${url}/topics/t/records`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: 'x'.repeat(101),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error_code: 41301 });
    expect(producer.events).toHaveLength(0);
  });

  it('answers 502 for a failed invocation and 504 for a timed-out one, as API Gateway does', async () => {
    // Prepare
    const producer = new FakeFunction((event) =>
      event.httpMethod === 'GET'
        ? { ok: false, kind: 'timeout', error: { errorType: 'Sandbox.Timedout', errorMessage: 't' }, requestId: 'r', durationMs: 1 }
        : { ok: false, kind: 'handled', error: { errorType: 'Boom', errorMessage: 'b' }, requestId: 'r', durationMs: 1 },
    );
    const { url } = await start(producer);

    // Act
    const failed = await fetch(`${url}/topics/t/records`, { method: 'POST', body: '{}' });
    const timedOut = await fetch(`${url}/topics`);

    // Assess
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ message: 'Internal server error' });
    expect(timedOut.status).toBe(504);
  });

  it('answers 504 at its integration timeout while the invocation goes on, as API Gateway does', async () => {
    // Prepare: a function that answers only when told to
    let finish: (result: InvocationResult) => void = () => undefined;
    let finished = false;
    const slow: Invoker = {
      invoke: () =>
        new Promise<InvocationResult>((resolve) => {
          finish = (result) => {
            finished = true;
            resolve(result);
          };
        }),
    };
    gateway = await startGateway({ functions: { producer: slow, results: slow }, port: 0, integrationTimeoutMs: 50 });

    // Act
    const response = await fetch(`${gateway.url}/topics/t/records`, { method: 'POST', body: '{}' });
    const bodyAtTimeout = await response.json();
    const finishedWhenAnswered = finished;
    finish(ok({ statusCode: 200, body: '{}' }));

    // Assess: the client heard 504 while the invocation was still running
    expect(response.status).toBe(504);
    expect(bodyAtTimeout).toEqual({ message: 'Endpoint request timed out' });
    expect(finishedWhenAnswered).toBe(false);
  });

  it('answers 502 when the handler returns something that is not a proxy result', async () => {
    // Prepare
    const { url } = await start(new FakeFunction(() => ok({ body: 'no status' })));

    // Act
    const response = await fetch(`${url}/topics`);

    // Assess
    expect(response.status).toBe(502);
  });

  it.each<[string, RawRequest, number, number]>([
    ['a bare CR in a header', { method: 'POST', target: '/topics/t/records', headers: ['X-A: a\rb'], body: '{}' }, 400, 40003],
    ['an unknown method', { method: 'FOO', target: '/topics' }, 400, 40003],
    [
      'a malformed chunk',
      { method: 'POST', target: '/topics/t/records', headers: ['Transfer-Encoding: chunked'], contentLength: false, body: 'zz\r\n' },
      400,
      40003,
    ],
    ['a Host that makes no URL', { method: 'GET', target: '/topics', headers: ['Host: a b'], host: false }, 400, 40003],
    ['headers over the limit', { method: 'GET', target: '/topics', headers: [`X-Big: ${'a'.repeat(64 * 1024)}`] }, 413, 41301],
  ])('answers %s in fluxo error shape without invoking the handler', async (_, request, status, code) => {
    // Prepare
    const producer = new FakeFunction(() => ok({ statusCode: 200, body: '{}' }));
    const { url } = await start(producer);

    // Act
    const response = await sendRaw(url, request);

    // Assess
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({
      error_code: code,
      message: expect.any(String),
      ...(code === 40003 && request.host === false ? { details: { header: 'Host' } } : {}),
    });
    expect(producer.events).toHaveLength(0);
  });

  it('reports health with 503 when a dependency is down', async () => {
    // Prepare
    const { url } = await start(new FakeFunction(() => ok({ statusCode: 200, body: '' })));

    // Act
    const response = await fetch(`${url}/health`);

    // Assess
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ok: false, kafka: { ok: false } });
  });
});
