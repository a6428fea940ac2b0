/** Bounded concurrency for the handlers' batched reads and writes. Pure: no I/O of its own. */

/**
 * Calls `fn` on every item with at most `limit` calls in flight (a worker takes the next item as
 * soon as its call settles), and answers the results in the order of `items`. A rejected call
 * rejects the whole, as `Promise.all` does.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
