/**
 * Property-based fuzz of the results handler: arbitrary consumers, query strings (from, to,
 * limit, cursor, top, at, baseline, minCount, key, consumer) on its four routes, with a mocked DynamoDB that answers
 * empty pages, pages with a next key, or a throttle. The handler never throws, answers in its
 * documented shape (README and OpenAPI document), and a cursor it accepts only ever reads the partition of the request.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createResultsHandler } from '../../../lambdas/results/index';
import { ResultsReader } from '../../../lambdas/results/reader';
import { pipeline } from '../../../pipeline';
import { apigwEvent } from '../../events/apigw/load';
import { openApiDocument } from '../../../core/api/openapi';
import { OpenApiValidator } from '../core/api/validate';
import { expectErrorBody, expectOpenApiAnswer, expectPage, parseAnswer } from './answer-shape';
import { consumerName, resultsQuery } from './arbitraries';

const RUNS = 600;
const openApi = new OpenApiValidator(openApiDocument(pipeline));
const documents = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  documents.reset();
});

const handle = createResultsHandler({
  spec: pipeline,
  reader: new ResultsReader(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })), 'results'),
  logger: new Logger({ logLevel: 'SILENT' }),
});

const ROUTES = [
  { resource: '/results/{consumer}', path: (c: string) => `/results/${c}` },
  { resource: '/results/{consumer}/records', path: (c: string) => `/results/${c}/records` },
  { resource: '/results/{consumer}/trending', path: (c: string) => `/results/${c}/trending` },
  { resource: '/dlq', path: () => '/dlq' },
] as const;

/** What the mocked table answers to every Query. */
type TableBehaviour = 'empty' | 'more' | 'throttled';

function table(behaviour: TableBehaviour): QueryCommandInput[] {
  const queries: QueryCommandInput[] = [];
  documents.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    queries.push(input);
    if (behaviour === 'throttled') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const partition = input.ExpressionAttributeValues ?? {};
    const pkValue = Object.values(partition).find((v) => typeof v === 'string' && /^(AGG|WIN|REC|DLQ|RANK)#/.test(v));
    // "more": a next key on every page, advancing, for three pages (a handler that reads every page ends).
    const page = Number(input.ExclusiveStartKey?.sk ?? 0);
    return behaviour === 'more' && Number.isSafeInteger(page) && page < 3
      ? { Items: [], LastEvaluatedKey: { pk: String(pkValue), sk: String(page + 1).padStart(15, '0') } }
      : { Items: [] };
  });
  return queries;
}

/** Every partition value a Query may read, for a request on `consumer` (or every consumer for /dlq). */
function allowedPartitions(resource: string, consumer: string, query: Record<string, string> | null): Set<string> {
  if (resource === '/dlq') {
    const names = query?.consumer !== undefined ? [query.consumer] : pipeline.consumers.map((c) => c.name);
    return new Set(names.map((n) => `DLQ#${n}`));
  }
  if (resource === '/results/{consumer}/records') return new Set([`REC#${consumer}`]);
  // Aggregates by window, the pane key counts (RANK#) that top and trending rank from, and the
  // aggregates of one key (`key`, or a top answer's winners).
  return new Set([`WIN#${consumer}`, `RANK#${consumer}`, `AGG#${consumer}#`]);
}

function event(resource: string, path: string, consumer: string, query: Record<string, string> | null): APIGatewayProxyEvent {
  const multi = query === null ? null : Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]));
  return apigwEvent('get-results', {
    resource,
    path,
    pathParameters: resource === '/dlq' ? null : { consumer },
    queryStringParameters: query,
    multiValueQueryStringParameters: multi,
  });
}

describe('results handler under arbitrary queries', () => {
  it('answers every route, consumer and query string with a page, 400, 404 or a retryable 503, and reads only the partitions of the request', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        consumerName,
        resultsQuery,
        fc.constantFrom<TableBehaviour>('empty', 'more', 'throttled'),
        async (route, consumer, query, behaviour) => {
          // Prepare
          documents.reset();
          const queries = table(behaviour);

          // Act
          const answer = await handle(event(route.resource, route.path(consumer), consumer, query));

          // Assess
          const body = parseAnswer(answer.body);
          expectOpenApiAnswer(openApi, 'GET', route.path(encodeURIComponent(consumer)), answer.statusCode, body);
          if (answer.statusCode === 200) expectPage(body);
          else if ([400, 404].includes(answer.statusCode)) expectErrorBody(body, answer.statusCode);
          else if (answer.statusCode === 503 && behaviour === 'throttled') {
            if (expectErrorBody(body, 503).error_code !== 50302 || answer.headers?.['Retry-After'] === undefined)
              throw new Error(`503 without 50302 and Retry-After: ${answer.body}`);
          } else throw new Error(`undocumented status ${answer.statusCode}: ${answer.body}`);
          const allowed = allowedPartitions(route.resource, consumer, query);
          for (const q of queries) {
            const read = Object.values(q.ExpressionAttributeValues ?? {}).filter(
              (v): v is string => typeof v === 'string' && /^(AGG|WIN|REC|DLQ|RANK)#/.test(v),
            );
            const outside = read.filter((v) => !allowed.has(v) && ![...allowed].some((a) => a.endsWith('#') && v.startsWith(a)));
            if (outside.length > 0) throw new Error(`read ${outside[0]} for ${route.resource} of ${consumer}`);
            const start = q.ExclusiveStartKey;
            if (
              start !== undefined &&
              !Object.values(start).some(
                (v) => typeof v === 'string' && (allowed.has(v) || [...allowed].some((a) => a.endsWith('#') && v.startsWith(a))),
              )
            ) {
              throw new Error(`cursor ${JSON.stringify(start)} continues outside the request`);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
