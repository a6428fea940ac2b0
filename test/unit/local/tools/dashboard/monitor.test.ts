import type { Admin } from 'kafkajs';
import { KafkaMonitor } from '../../../../../local/tools/dashboard/monitor';
import type { DashboardState } from '../../../../../local/tools/dashboard/model';
import type { PipelineSpec } from '../../../../../core/spec';

const spec: PipelineSpec = {
  topics: [{ name: 'ticks', partitions: 2, schema: { fields: { price: { type: 'number' } } } }],
  consumers: [{ name: 'ohlc', topics: ['ticks'], groupBy: { kind: 'topic' }, window: { sizeSeconds: 60 } }],
};

/** A stand-in for kafkajs admin: end offsets and committed offsets set by the test. */
function fakeAdmin(state: { ends: number[]; committed: number[]; fail?: boolean }) {
  const calls = { fetchTopicOffsets: 0, disconnect: 0 };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => void (calls.disconnect += 1),
    fetchTopicOffsets: async () => {
      calls.fetchTopicOffsets += 1;
      if (state.fail) throw new Error('broker unreachable');
      return state.ends.map((high, partition) => ({ partition, offset: String(high), high: String(high), low: '0' }));
    },
    fetchOffsets: async ({ topics }: { topics: string[] }) =>
      topics.map((topic) => ({
        topic,
        partitions: state.committed.map((offset, partition) => ({ partition, offset: String(offset), metadata: null })),
      })),
  };
  return { admin: admin as unknown as Admin, calls };
}

async function next(monitor: KafkaMonitor): Promise<DashboardState> {
  return new Promise((resolve) => {
    const unsubscribe = monitor.subscribe((state) => {
      unsubscribe();
      resolve(state);
    });
  });
}

describe('the dashboard Kafka monitor', () => {
  it('reports records written, lag per consumer summed over partitions, and the ingest rate between samples', async () => {
    // Prepare
    const offsets = { ends: [10, 20], committed: [10, -1] };
    const { admin } = fakeAdmin(offsets);
    // Samples a second apart, however fast the fake admin answers.
    let tick = 0;
    const monitor = new KafkaMonitor({ spec, kafkaBrokers: 'unused:9092', admin, intervalMs: 50, clock: () => (tick += 1000) });

    try {
      // Act
      const first = await monitor.current();
      offsets.ends = [15, 25];
      offsets.committed = [12, 20];
      const second = await next(monitor);

      // Assess
      expect(first.topics[0]).toMatchObject({ name: 'ticks', endOffset: 30, rate: null });
      expect(first.consumers[0]).toMatchObject({
        name: 'ohlc',
        groupIds: ['fluxo-ohlc'],
        lag: 20,
        committed: 10,
        chart: { kind: 'series' },
      });
      expect(second.topics[0].endOffset).toBe(40);
      expect(second.topics[0].rate).toBeGreaterThan(0);
      expect(second.consumers[0]).toMatchObject({ lag: 8, committed: 32 });
      expect(second.history.length).toBeGreaterThanOrEqual(2);
    } finally {
      await monitor.stop();
    }
  });

  it("reports what each consumer's mappings filtered out, as CloudWatch's FilteredOutEventCount, and null where no mapping runs", async () => {
    // Prepare
    const { admin } = fakeAdmin({ ends: [3, 4], committed: [3, 4] });
    const counts = new Map([['ohlc', 0]]);
    const withEmulator = new KafkaMonitor({
      spec,
      kafkaBrokers: 'unused:9092',
      admin,
      intervalMs: 50,
      filteredOut: (name) => counts.get(name),
    });
    const without = new KafkaMonitor({
      spec,
      kafkaBrokers: 'unused:9092',
      admin: fakeAdmin({ ends: [0, 0], committed: [0, 0] }).admin,
      intervalMs: 50,
    });

    try {
      // Act
      const first = await withEmulator.current();
      counts.set('ohlc', 5);
      const second = await next(withEmulator);
      const none = await without.current();

      // Assess
      expect(first.consumers[0]?.filteredOut).toBe(0);
      expect(second.consumers[0]?.filteredOut).toBe(5);
      expect(none.consumers[0]?.filteredOut).toBeNull();
    } finally {
      await withEmulator.stop();
      await without.stop();
    }
  });

  it('keeps the last figures and says why when Kafka cannot be read', async () => {
    // Prepare
    const offsets = { ends: [5, 5], committed: [5, 5], fail: false };
    const { admin } = fakeAdmin(offsets);
    const monitor = new KafkaMonitor({ spec, kafkaBrokers: 'unused:9092', admin, intervalMs: 50 });

    try {
      // Act
      await monitor.current();
      offsets.fail = true;
      const failed = await next(monitor);

      // Assess
      expect(failed.error).toBe('Kafka: broker unreachable');
      expect(failed.topics[0].endOffset).toBe(10);
    } finally {
      await monitor.stop();
    }
  });

  it('stops sampling when nobody watches, and disconnects on stop', async () => {
    // Prepare: a clock the test moves
    jest.useFakeTimers();
    const { admin, calls } = fakeAdmin({ ends: [1, 1], committed: [1, 1] });
    const monitor = new KafkaMonitor({ spec, kafkaBrokers: 'unused:9092', admin, intervalMs: 100, idleAfterMs: 1000 });

    try {
      // Act: watched for a second (10 samples at most), then nobody looks for ten seconds
      await monitor.current();
      await jest.advanceTimersByTimeAsync(1000);
      const watched = calls.fetchTopicOffsets;
      await jest.advanceTimersByTimeAsync(10_000);
      const idle = calls.fetchTopicOffsets - watched;
      await monitor.stop();

      // Assess
      expect(watched).toBeGreaterThanOrEqual(5);
      expect(idle).toBeLessThanOrEqual(1);
      expect(calls.disconnect).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
