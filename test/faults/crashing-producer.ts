/**
 * Test-only Lambda entry: the real producer handler, whose execution environment ends abruptly
 * (`process.exit` in its worker thread, as a Lambda runtime killed at its timeout or by a crash)
 * right after Kafka acknowledged a keyed request's records and before the handler could store
 * or send its answer. Bundled by the fault suite only; production bundles never include it.
 * On AWS the same happens when the invocation reaches its timeout: Lambda stops it and resets the
 * execution environment ("Understand the Lambda execution environment lifecycle", AWS Lambda
 * Developer Guide, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html,
 * invoke phase failures); what Kafka acknowledged stays written, and Powertools' in-progress
 * record lives until the invocation's deadline.
 *
 * `FLUXO_FAULT_CRASH_BUDGET_FILE`: a file holding how many crashes are left; each crash takes
 * one. Only sends carrying `fluxo-record-id` (requests with an Idempotency-Key) crash.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Kafka } from 'kafkajs';
import type { ProducerBatch } from 'kafkajs';
import { RECORD_ID_HEADER } from '../../core/record-id';

export { handler } from '../../lambdas/producer/index';

const budgetFile = process.env.FLUXO_FAULT_CRASH_BUDGET_FILE ?? '';

/** Takes one crash from the budget file; false when none is left. */
function takeCrash(): boolean {
  const left = Number(readFileSync(budgetFile, 'utf8').trim() || '0');
  if (left <= 0) return false;
  writeFileSync(budgetFile, String(left - 1));
  return true;
}

function keyed(batch: ProducerBatch): boolean {
  return (batch.topicMessages ?? []).some((t) => t.messages.some((m) => m.headers?.[RECORD_ID_HEADER] !== undefined));
}

if (budgetFile !== '') {
  const createProducer = Kafka.prototype.producer;
  Kafka.prototype.producer = function crashingProducer(this: Kafka, ...args: Parameters<typeof createProducer>) {
    const producer = createProducer.apply(this, args);
    const sendBatch = producer.sendBatch.bind(producer);
    producer.sendBatch = async (batch) => {
      const acknowledged = await sendBatch(batch);
      if (keyed(batch) && takeCrash()) process.exit(70);
      return acknowledged;
    };
    return producer;
  };
}
