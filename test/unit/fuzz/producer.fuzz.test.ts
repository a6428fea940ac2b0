/**
 * Property-based fuzz of the producer (ingest) handler: arbitrary bodies, headers and topic names
 * through `POST /topics/{topic}/records`, with a fake Kafka and a mocked idempotency table. The
 * handler never throws, always answers in its documented shape (README and OpenAPI document)
 * with a documented status, and reports exactly the records Kafka took.
 */
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { pipeline } from '../../../pipeline';
import { apigwEvent } from '../../events/apigw/load';
import { producerUnderTest } from '../producer/producer-under-test';
import { openApiDocument } from '../../../core/api/openapi';
import { OpenApiValidator } from '../core/api/validate';
import { expectIngestAnswer, expectOpenApiAnswer, parseAnswer } from './answer-shape';
import { contentType, ingestBodyText, oddName, topicName } from './arbitraries';

/** Statuses the producer may answer while Kafka and the idempotency table work. */
const INGEST_STATUSES = new Set([200, 207, 400, 404, 413, 415, 422]);
const RUNS = 1000;

const dynamo = mockClient(DynamoDBClient);
afterEach(() => {
  dynamo.reset();
});

function ingestEvent(
  topic: string,
  body: { body: string | null; isBase64Encoded: boolean },
  headers: Record<string, string>,
): APIGatewayProxyEvent {
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, v]) => [name, [v]]));
  return apigwEvent('post-records', { path: `/topics/${topic}/records`, pathParameters: { topic }, headers, multiValueHeaders, ...body });
}

const openApi = new OpenApiValidator(openApiDocument(pipeline));

/** Checks one answer (shape, status, OpenAPI) and that the records reported written are the ones Kafka took. */
function assessIngest(topic: string, answer: APIGatewayProxyResult, writtenToKafka: number): void {
  if (!INGEST_STATUSES.has(answer.statusCode)) throw new Error(`undocumented status ${answer.statusCode}: ${answer.body}`);
  const body = parseAnswer(answer.body);
  expectOpenApiAnswer(openApi, 'POST', `/topics/${encodeURIComponent(topic)}/records`, answer.statusCode, body);
  const reported = expectIngestAnswer(answer.statusCode, body);
  if (reported !== writtenToKafka) throw new Error(`answer reports ${reported} written, Kafka took ${writtenToKafka}: ${answer.body}`);
}

describe('producer handler under arbitrary requests', () => {
  it('answers every body, content type and topic name in the documented shape and reports exactly what Kafka took', async () => {
    await fc.assert(
      fc.asyncProperty(topicName, ingestBodyText, contentType, async (topic, body, type) => {
        // Prepare
        const { kafka, handle } = producerUnderTest();
        const headers: Record<string, string> = type === undefined ? {} : { 'Content-Type': type };

        // Act
        const answer = await handle(ingestEvent(topic, body, headers));

        // Assess
        assessIngest(topic, answer, kafka.written.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers arbitrary Idempotency-Key values and other headers with a stored answer or 400, never a 5xx', async () => {
    // Prepare
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(UpdateItemCommand).resolves({});
    const headerName = fc.oneof(fc.constantFrom('Idempotency-Key', 'idempotency-key', 'IDEMPOTENCY-KEY'), oddName);
    const headerValue = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.fullUnicodeString({ maxLength: 10 }),
      fc.constantFrom('', ' ', 'k'.repeat(256), 'a\r\nX-Injected: 1', 'a\u0000b'),
    );

    await fc.assert(
      fc.asyncProperty(topicName, ingestBodyText, fc.dictionary(headerName, headerValue, { maxKeys: 4 }), async (topic, body, extra) => {
        const { kafka, handle } = producerUnderTest({ idempotency: true });

        // Act
        const answer = await handle(ingestEvent(topic, body, { 'Content-Type': 'application/json', ...extra }));

        // Assess
        assessIngest(topic, answer, kafka.written.length);
      }),
      { numRuns: RUNS },
    );
  });
});
