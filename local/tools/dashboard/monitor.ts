/**
 * Samples Kafka for the dashboard: each topic's end offsets (ingest rate) and each consumer
 * group's committed offsets (lag = end offsets minus committed offsets), with kafkajs admin.
 * It samples only while someone watches (a request within {@link KafkaMonitorOptions.idleAfterMs}
 * or an open event stream), so an unwatched `npm start` costs Kafka nothing.
 */
import type { Admin } from 'kafkajs';
import { resolveConsumer, resolveTopic, type PipelineSpec, type ResolvedConsumer, type ResolvedTopic } from '../../../core/spec';
import { localKafkaAdmin } from '../../emulation/services/topics';
import { chartOf, ingestRate, partitionLag, type ConsumerState, type DashboardState, type HistoryPoint, type TopicState } from './model';

/** Samples kept for the charts over time (5 minutes at 1 s). */
const HISTORY_LENGTH = 300;

/** Options of {@link KafkaMonitor}. */
export interface KafkaMonitorOptions {
  readonly spec: PipelineSpec;
  /** Kafka bootstrap brokers, `host:port,...`. */
  readonly kafkaBrokers: string;
  /** Time between samples. @default 1000 */
  readonly intervalMs?: number;
  /** Sampling pauses this long after the last request when no stream is open. @default 30000 */
  readonly idleAfterMs?: number;
  /** The admin client. @default a kafkajs admin on `kafkaBrokers` */
  readonly admin?: Admin;
  /** The clock that stamps samples (rates are per second between stamps). @default Date.now */
  readonly clock?: () => number;
  /**
   * How many records a consumer's event source mappings filtered out so far (the emulators'
   * `stats.recordsFiltered`), undefined when none runs here. @default none known
   */
  readonly filteredOut?: (consumer: string) => number | undefined;
}

/** Samples topic and consumer-group offsets while the dashboard is watched. */
export class KafkaMonitor {
  private readonly topics: readonly ResolvedTopic[];
  private readonly consumers: readonly ResolvedConsumer[];
  private readonly admin: Admin;
  private readonly settings: Required<Pick<KafkaMonitorOptions, 'intervalMs' | 'idleAfterMs' | 'clock' | 'filteredOut'>>;
  private readonly listeners = new Set<(state: DashboardState) => void>();
  private readonly history: HistoryPoint[] = [];
  private previous = new Map<string, { at: number; end: number }>();
  private latest: DashboardState;
  private connected: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<DashboardState> | undefined;
  private lastTouched = 0;
  private stopped = false;

  public constructor({
    spec,
    kafkaBrokers,
    intervalMs = 1000,
    idleAfterMs = 30_000,
    admin,
    clock = Date.now,
    filteredOut = () => undefined,
  }: KafkaMonitorOptions) {
    if (!Number.isInteger(intervalMs) || intervalMs < 50)
      throw new RangeError(`intervalMs must be a whole number of at least 50 (got ${intervalMs})`);
    this.topics = spec.topics.map(resolveTopic);
    this.consumers = spec.consumers.map(resolveConsumer);
    this.admin = admin ?? localKafkaAdmin(kafkaBrokers, 'fluxo-dashboard');
    this.settings = { intervalMs, idleAfterMs, clock, filteredOut };
    this.latest = {
      at: 0,
      topics: this.topics.map((t) => ({ name: t.name, partitions: t.partitions, endOffset: 0, rate: null })),
      consumers: this.consumers.map((c) => this.consumerState(c, null, 0)),
      history: [],
    };
  }

  /** Marks the dashboard as watched and returns the latest state (sampling now when there is none yet). */
  public async current(): Promise<DashboardState> {
    this.touch();
    return this.latest.at === 0 ? this.sample() : this.latest;
  }

  /** Calls `listener` after every sample until the returned function is called; sampling runs meanwhile. */
  public subscribe(listener: (state: DashboardState) => void): () => void {
    this.listeners.add(listener);
    this.touch();
    return () => void this.listeners.delete(listener);
  }

  /** Stops sampling and disconnects the admin client. */
  public async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.listeners.clear();
    await this.sampling?.catch(() => undefined);
    if (this.connected !== undefined) await this.admin.disconnect();
  }

  private touch(): void {
    this.lastTouched = Date.now();
    if (this.timer === undefined && !this.stopped) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.sample().finally(() => {
        const watched = this.listeners.size > 0 || Date.now() - this.lastTouched < this.settings.idleAfterMs;
        if (watched && !this.stopped) this.schedule(this.settings.intervalMs);
        else this.timer = undefined;
      });
    }, delayMs);
  }

  private consumerState(consumer: ResolvedConsumer, lag: number | null, committed: number): ConsumerState {
    return {
      name: consumer.name,
      groupIds: consumer.mappings.map((m) => m.groupId),
      ...(consumer.description === undefined ? {} : { description: consumer.description }),
      topics: consumer.topics,
      windowSeconds: consumer.window.sizeSeconds,
      advanceSeconds: consumer.window.advanceSeconds,
      chart: chartOf(consumer),
      keepRecords: consumer.keepRecords,
      lag,
      committed,
      filteredOut: this.settings.filteredOut(consumer.name) ?? null,
    };
  }

  /** Takes one sample (one at a time) and tells the listeners. */
  private sample(): Promise<DashboardState> {
    this.sampling ??= this.takeSample().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  private async takeSample(): Promise<DashboardState> {
    const at = this.settings.clock();
    try {
      this.connected ??= this.admin.connect();
      await this.connected;
      const offsets = new Map(
        await Promise.all(
          this.topics.map(async ({ name }) => {
            const entries = await this.admin.fetchTopicOffsets(name);
            return [name, entries.map((e) => ({ partition: e.partition, low: Number(e.low), high: Number(e.high) }))] as const;
          }),
        ),
      );
      const topics: TopicState[] = this.topics.map((topic) => {
        const end = (offsets.get(topic.name) ?? []).reduce((sum, p) => sum + p.high, 0);
        const rate = ingestRate(this.previous.get(topic.name), { at, end });
        this.previous.set(topic.name, { at, end });
        return { name: topic.name, partitions: topic.partitions, endOffset: end, rate };
      });
      const consumers = await Promise.all(
        this.consumers.map(async (consumer) => {
          // One consumer group per mapping (topic), as on AWS.
          const groups = (
            await Promise.all(consumer.mappings.map(({ topic, groupId }) => this.admin.fetchOffsets({ groupId, topics: [topic] })))
          ).flat();
          let lag = 0;
          let committed = 0;
          for (const group of groups) {
            const ends = offsets.get(group.topic) ?? [];
            for (const partition of group.partitions) {
              const end = ends.find((e) => e.partition === partition.partition);
              const offset = Number(partition.offset);
              if (offset > 0) committed += offset;
              if (end !== undefined) lag += partitionLag({ low: end.low, high: end.high, committed: offset }, consumer.startingPosition);
            }
          }
          return this.consumerState(consumer, lag, committed);
        }),
      );
      this.history.push({
        t: at,
        rates: Object.fromEntries(topics.map((t) => [t.name, t.rate ?? 0])),
        lags: Object.fromEntries(consumers.map((c) => [c.name, c.lag ?? 0])),
      });
      if (this.history.length > HISTORY_LENGTH) this.history.splice(0, this.history.length - HISTORY_LENGTH);
      this.latest = { at, topics, consumers, history: [...this.history] };
    } catch (error) {
      this.latest = { ...this.latest, at, error: `Kafka: ${(error as Error).message}` };
    }
    for (const listener of this.listeners) listener(this.latest);
    return this.latest;
  }
}
