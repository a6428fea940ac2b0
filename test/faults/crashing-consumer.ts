/**
 * Test-only Lambda entry: the real consumer handler, with a crash injected after some DynamoDB
 * writes. Bundled by the fault suite only; production bundles never include it.
 *
 * `FLUXO_FAULT_CRASH_AFTER_WRITES=N`: an execution environment ends abruptly (`process.exit` in
 * its worker thread, as a Lambda runtime that dies) right after its N-th successful aggregate
 * write, while the rest of its batch is still in flight.
 * `FLUXO_FAULT_CRASH_BUDGET_FILE`: a file holding how many crashes are left; each crash takes
 * one, so the redeliveries eventually go through.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ResultsStore } from '../../lambdas/consumer/store';

export { handler } from '../../lambdas/consumer/index';

const crashAfter = Number(process.env.FLUXO_FAULT_CRASH_AFTER_WRITES ?? '0');
const budgetFile = process.env.FLUXO_FAULT_CRASH_BUDGET_FILE ?? '';

/** Takes one crash from the budget file; false when none is left. */
function takeCrash(): boolean {
  const left = Number(readFileSync(budgetFile, 'utf8').trim() || '0');
  if (left <= 0) return false;
  writeFileSync(budgetFile, String(left - 1));
  return true;
}

if (crashAfter > 0 && budgetFile !== '') {
  let writes = 0;
  const putAggregate = ResultsStore.prototype.putAggregate;
  ResultsStore.prototype.putAggregate = async function crashingPutAggregate(this: ResultsStore, ...args: Parameters<typeof putAggregate>) {
    const outcome = await putAggregate.apply(this, args);
    if (outcome === 'written') {
      writes += 1;
      if (writes >= crashAfter && takeCrash()) process.exit(70);
    }
    return outcome;
  };
}
