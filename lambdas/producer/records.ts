/**
 * `POST /topics/{topic}/records`: from a parsed body to the answer, given a way to write to Kafka.
 *
 * Answers (Confluent REST Proxy v3 is the model):
 * - one record in, one result out: `{partition, offset, timestamp}` (200) or `{error_code, message}`
 *   with the record's own status;
 * - `{records: [...]}` in: `{results: [...]}`, one per record, in order, each
 *   `{partition, offset, timestamp}` or `{error_code, message, details?}`; 200 when all were
 *   written, 207 when some were;
 * - when no record of a batch is written because every one was rejected, the status and
 *   `error_code` are the FIRST rejected record's, with `results` alongside:
 *   `{error_code, message, results}`.
 * Records are checked first and only the valid ones are sent, in one `sendBatch`; when Kafka
 * fails, the whole request fails (503) and nothing is reported written. A request sent with an
 * `Idempotency-Key` has its records stamped with `fluxo-record-id` (`<request id>.<index in the
 * body>`), the same in every attempt, so consumers count one copy of each (core/record-id.ts).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { errorBody } from '../../core/errors';
import type { ErrorBody } from '../../core/errors';
import { jsonAnswer } from '../../core/api/http-answer';
import type { WrittenResult } from '../../core/api/routes';
import { parseIngestBody, prepareRecord } from '../../core/ingest';
import { RECORD_ID_HEADER, recordIdOf } from '../../core/record-id';
import type { PreparedRecord } from '../../core/ingest';
import type { ResolvedTopic } from '../../core/spec';
import type { WrittenRecord } from './kafka-writer';

/** Writes valid records of one topic; resolves with where each landed, in order. */
export type RecordWriter = (topic: string, records: readonly PreparedRecord[]) => Promise<readonly WrittenRecord[]>;

/**
 * Checks, writes and answers one ingest request. `now` is the ingest time (epoch ms);
 * `requestId` (a request with an `Idempotency-Key`) stamps each record with its record id.
 */
export async function ingestRecords(
  topic: ResolvedTopic,
  body: unknown,
  write: RecordWriter,
  now: number,
  requestId?: string,
): Promise<APIGatewayProxyResult> {
  const { form, records } = parseIngestBody(body);
  const outcomes = records.map((record, index) => prepareRecord(topic, record, { form, index, now }));
  const valid = outcomes.flatMap((o, index) => {
    if (!o.ok) return [];
    if (requestId === undefined) return [o.record];
    return [{ ...o.record, headers: { ...o.record.headers, [RECORD_ID_HEADER]: recordIdOf(requestId, index) } }];
  });
  const written = valid.length === 0 ? [] : await write(topic.name, valid);
  let next = 0;
  // A request's records mostly share one timestamp (the ingest time): format it once.
  let lastTime: number | undefined;
  let lastIso = '';
  const results: Array<WrittenResult | ErrorBody> = outcomes.map((outcome) => {
    if (!outcome.ok) return errorBody(outcome.error);
    const { partition, offset, timestamp } = written[next++];
    if (timestamp !== lastTime) {
      lastTime = timestamp;
      lastIso = new Date(timestamp).toISOString();
    }
    return { partition, offset, timestamp: lastIso };
  });
  const error = outcomes.flatMap((o) => (o.ok ? [] : [o.error])).at(0);
  if (form === 'single') return jsonAnswer(error?.status ?? 200, results[0]);
  if (error === undefined) return jsonAnswer(200, { results });
  if (valid.length > 0) return jsonAnswer(207, { results });
  return jsonAnswer(error.status, {
    error_code: error.errorCode,
    message: `no record was written: all ${records.length} were rejected; first: ${error.message}`,
    results,
  });
}
