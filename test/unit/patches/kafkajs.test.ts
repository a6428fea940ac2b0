/**
 * kafkajs 2.2.4 as patched at install time by patches/kafkajs+2.2.4.patch (patch-package, run by
 * the root package's postinstall). These tests drive the real `RequestQueue` class and
 * `groupMessagesPerPartition` (no broker, no mocks of kafkajs); the request-queue ones fail on the
 * unpatched file:
 * - kafkajs#1556/#1604/#1704: with nothing pending it re-armed a 1 ms timer forever;
 * - kafkajs#1751: that timer's delay was negative, which Node 24 reports as a TimeoutNegativeWarning.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => KafkaRequestQueue;

/** The part of kafkajs' (untyped) RequestQueue these tests use. */
interface KafkaRequestQueue {
  push(request: { entry: Record<string, unknown>; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(clientSideThrottleTime: number): void;
  destroy(): void;
  readonly pending: readonly unknown[];
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newQueue(maxInFlightRequests: number | null = null): KafkaRequestQueue {
  return new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: silent,
  });
}

/** Pushes one request and returns a promise of its response, as kafkajs' Connection does. */
function request(queue: KafkaRequestQueue, correlationId: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    queue.push({
      entry: { correlationId, apiKey: 0, apiName: 'Produce', apiVersion: 7, resolve, reject },
      expectResponse: true,
      sendRequest: () => undefined,
    });
  });
}

let queue: KafkaRequestQueue | undefined;

afterEach(() => {
  queue?.destroy();
  queue = undefined;
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('kafkajs request queue (patched)', () => {
  it('arms no timer once every request is answered, however long the connection idles', async () => {
    // Prepare
    jest.useFakeTimers();
    queue = newQueue();
    const answered = request(queue, 1);

    // Act: the broker answers, then the connection idles for a minute.
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    await answered;
    const armedAfterAnswer = jest.getTimerCount();
    const ran = jest.advanceTimersByTime(60_000);

    // Assess: 2.2.4 armed a timer here and re-armed it every millisecond (60,000 runs a minute).
    expect(armedAfterAnswer).toBe(0);
    expect(ran).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still sends a request queued behind the in-flight limit when the first is answered', async () => {
    // Prepare
    queue = newQueue(1);
    const first = request(queue, 1);
    const second = request(queue, 2);
    expect(queue.pending).toHaveLength(1);

    // Act
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    queue.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });

    // Assess
    await expect(first).resolves.toMatchObject({ correlationId: 1 });
    await expect(second).resolves.toMatchObject({ correlationId: 2 });
    expect(queue.pending).toHaveLength(0);
  });

  it('sends a request held by client-side throttling once the throttle ends, with no negative timer delay', async () => {
    // Prepare: record every delay given to setTimeout and every process warning (Node >= 23 emits
    // TimeoutNegativeWarning for a negative delay; Node 20 silently uses 1 ms, hence the spy).
    const delays: number[] = [];
    const realSetTimeout = global.setTimeout;
    jest.spyOn(global, 'setTimeout').mockImplementation(((callback: () => void, delay?: number) => {
      delays.push(delay ?? 0);
      return realSetTimeout(callback, delay);
    }) as typeof setTimeout);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    queue = newQueue();
    const first = request(queue, 1);
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    await first;

    // Act: the broker asks for 30 ms of throttling; a request arrives meanwhile.
    queue.maybeThrottle(30);
    const held = request(queue, 2);
    const pendingWhileThrottled = queue.pending.length;
    await new Promise((resolve) => realSetTimeout(resolve, 80));
    queue.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    await held;
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);

    // Assess
    expect(pendingWhileThrottled).toBe(1);
    expect(queue.pending).toHaveLength(0);
    expect(delays.filter((delay) => !(delay >= 1))).toEqual([]);
    expect(warnings.filter((warning) => warning.name === 'TimeoutNegativeWarning')).toEqual([]);
  });
});

describe('kafkajs groupMessagesPerPartition (patched to append instead of copying)', () => {
  it('groups messages by the partitioner, keeping their order within each partition', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const group = require('kafkajs/src/producer/groupMessagesPerPartition') as (
      args: Record<string, unknown>,
    ) => Record<string, { value: number }[]>;
    const messages = Array.from({ length: 500 }, (_, value) => ({ value }));
    const partitionMetadata = [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }];

    // Act
    const grouped = group({
      topic: 't',
      partitionMetadata,
      messages,
      partitioner: ({ message }: { message: { value: number } }) => message.value % 3,
    });

    // Assess
    expect(Object.keys(grouped)).toEqual(['0', '1', '2']);
    for (const partition of [0, 1, 2]) expect(grouped[partition]).toEqual(messages.filter((m) => m.value % 3 === partition));
    expect(group({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({});
  });
});
