/**
 * The producer (ingest) Lambda behind API Gateway (REST proxy events), also invoked in process
 * by the local gateway:
 *
 * - `POST /topics/{topic}/records`: checks and writes records to Kafka (see records.ts);
 * - `GET /topics`: the spec's topics.
 *
 * The Kafka producer lives at module scope: connected on first use, reused, reconnected after
 * a failure. Errors become `{error_code, message, details?}` through the one table in errors.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { pipeline } from '../../pipeline';
import {
  BadRequestError,
  BodyNotJsonError,
  FluxoError,
  PayloadTooLargeError,
  UnknownTopicError,
  UnsupportedMediaTypeError,
} from '../../core/errors';
import { answerRoute, jsonAnswer, requestHeader } from '../../core/api/http-answer';
import type { RouteImplementations } from '../../core/api/http-answer';
import type { TopicDescription } from '../../core/api/routes';
import { INGEST_LIMITS, nestedDeeperThan } from '../../core/ingest';
import { createIdempotentProducer, createKafka, kafkaOptionsFromEnv, LazyProducer } from '../clients/kafka';
import { firstSlotOf, requestIdOf } from '../../core/record-id';
import { findTopic, resolveTopic } from '../../core/spec';
import type { PipelineSpec } from '../../core/spec';
import { IDEMPOTENCY_KEY_HEADER, idempotencyOptionsFromEnv, makeIdempotentIngest } from './idempotency';
import type { IdempotentIngestOptions, IngestProcessor } from './idempotency';
import { trackingPartitioner, writeRecords } from './kafka-writer';
import { ingestRecords, type RecordWriter } from './records';

/** The `GET /topics` answer for a spec. */
export function describeTopics(spec: PipelineSpec): { topics: TopicDescription[] } {
  return {
    topics: spec.topics.map(resolveTopic).map((t) => ({
      name: t.name,
      format: t.format,
      partitions: t.partitions,
      retentionHours: t.retentionHours,
      ...(t.description === undefined ? {} : { description: t.description }),
      schema: t.schema,
      derived: [...t.derived],
      accepts: [...t.accepts],
    })),
  };
}

/** Milliseconds kept back from the Lambda's remaining time to answer after a Kafka timeout. */
const ANSWER_MARGIN_MS = 2000;
/** Longest a write may take: API Gateway gives up after 29 s. */
const MAX_WRITE_MS = 25_000;

/** What a producer handler needs; the defaults come from the environment and the built-in spec. */
export interface ProducerHandlerOptions {
  readonly spec: PipelineSpec;
  /** The container's Kafka producer. */
  readonly producers: LazyProducer;
  /** The idempotency table; undefined when none is configured (then `Idempotency-Key` is refused). */
  readonly idempotency?: IdempotentIngestOptions;
  /** The clock. @default Date.now */
  readonly now?: () => number;
  readonly logger?: Logger;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function bodyText(event: APIGatewayProxyEvent): string {
  if (event.body === null || event.body === undefined || event.body === '') throw new BadRequestError('request body is required');
  let text = event.body;
  // JSON is UTF-8 (RFC 8259): a body that is not is refused rather than read with replacement characters.
  if (event.isBase64Encoded) {
    try {
      text = UTF8.decode(Buffer.from(event.body, 'base64'));
    } catch (error) {
      throw new BodyNotJsonError('request body is not valid UTF-8, so not valid JSON', { cause: error });
    }
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > INGEST_LIMITS.maxRequestBytes) {
    throw new PayloadTooLargeError(`request body is ${bytes} bytes; the limit is ${INGEST_LIMITS.maxRequestBytes}`, {
      details: { bytes, limit: INGEST_LIMITS.maxRequestBytes },
    });
  }
  return text;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

function parseBody(event: APIGatewayProxyEvent): unknown {
  const contentType = requestHeader(event, 'Content-Type');
  // A missing Content-Type is taken as JSON; a declared non-JSON one is refused.
  if (contentType !== undefined && !JSON_TYPE.test(contentType.trim())) throw new UnsupportedMediaTypeError(contentType);
  const text = bodyText(event);
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw new BodyNotJsonError(`request body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  // Checked before anything serializes the body again (idempotency hash, the value written).
  if (nestedDeeperThan(body, INGEST_LIMITS.maxBodyDepth)) {
    throw new BadRequestError(`request body nests arrays and objects deeper than ${INGEST_LIMITS.maxBodyDepth} levels`, {
      details: { limit: INGEST_LIMITS.maxBodyDepth },
    });
  }
  return body;
}

/** Builds a producer handler; {@link handler} is the one built from the environment. */
export function createProducerHandler(
  options: ProducerHandlerOptions,
): (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> {
  const { spec, producers, idempotency, now = Date.now, logger = new Logger({ serviceName: 'fluxo-producer' }) } = options;

  const processIngest: IngestProcessor = ({ idempotencyKey, topic, body }, context) => {
    const resolved = findTopic(spec, topic);
    if (resolved === undefined) throw new UnknownTopicError(topic);
    const deadlineMs = Math.min(MAX_WRITE_MS, Math.max(1000, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS));
    // Every attempt of a keyed request writes the same record ids to the same partitions: a
    // retry after an unknown outcome may add copies to the topic, and consumers count one.
    const requestId = idempotencyKey === '' ? undefined : requestIdOf(topic, idempotencyKey);
    const firstSlot = requestId === undefined ? undefined : firstSlotOf(requestId);
    const write: RecordWriter = (name, records) => writeRecords(producers, name, records, { deadlineMs, firstSlot });
    return ingestRecords(resolved, body, write, now(), requestId);
  };
  const idempotentProcess = idempotency === undefined ? undefined : makeIdempotentIngest(processIngest, idempotency);

  const ingest: RouteImplementations<'producer', Context>['produceRecords'] = async ({ path: { topic }, headers }, event, context) => {
    if (findTopic(spec, topic) === undefined) throw new UnknownTopicError(topic);
    const body = parseBody(event);
    const key = headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) return processIngest({ idempotencyKey: '', topic, body }, context);
    if (idempotentProcess === undefined) {
      throw new FluxoError(50001, `${IDEMPOTENCY_KEY_HEADER} is not available: no idempotency table is configured`);
    }
    return idempotentProcess({ idempotencyKey: key, topic, body }, context);
  };

  const routes: RouteImplementations<'producer', Context> = {
    listTopics: () => jsonAnswer(200, describeTopics(spec)),
    produceRecords: ingest,
  };
  return (event, context) =>
    answerRoute(event, context, routes, (route, error) => logger.error('request failed', { route, error: error as Error }));
}

let defaultHandler: ReturnType<typeof createProducerHandler> | undefined;

/** The Lambda entry point: configuration from the environment, the built-in spec. */
export function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  defaultHandler ??= createProducerHandler({
    spec: pipeline,
    producers: new LazyProducer(() =>
      createIdempotentProducer(createKafka(kafkaOptionsFromEnv()), { createPartitioner: trackingPartitioner }),
    ),
    idempotency: idempotencyOptionsFromEnv(),
  });
  return defaultHandler(event, context);
}
