/**
 * What the dashboard shows, computed from the spec and from Kafka offsets: how each consumer's
 * windows are charted, consumer lag, ingest rates. Pure TypeScript, shared by the dashboard's
 * server side and its browser code (types only there).
 */
import { measureName, type ResolvedConsumer, type StartingPosition } from '../../../core/spec';

/** How a consumer's windows are charted. */
export type ChartSpec =
  /** Candlesticks per group key (e.g. per ticker): first, max, min, last of one field, and an optional volume. */
  | {
      readonly kind: 'candles';
      readonly open: string;
      readonly high: string;
      readonly low: string;
      readonly close: string;
      readonly volume?: string;
    }
  /**
   * The keys with the highest count in the window ending at the last pane boundary (the hopping
   * top-K, e.g. trending hashtags), those rising against the windows before marked, and the
   * break-outs (`/trending`) listed.
   */
  | { readonly kind: 'top'; readonly n: number }
  /** Count and measures per window over time, one line per group key. */
  | { readonly kind: 'series'; readonly measures: readonly string[] };

/** Picks the chart of a consumer from its grouping and measures. */
export function chartOf(consumer: Pick<ResolvedConsumer, 'groupBy' | 'measures'>): ChartSpec {
  if (consumer.groupBy.kind === 'each') return { kind: 'top', n: 10 };
  // Candles need first, max, min and last of one field, the price (a measure is declared once: core/spec.ts).
  const price = consumer.measures.find((m) => m.fn === 'first')?.field;
  const [open, high, low, close] = ['first', 'max', 'min', 'last'].map((fn) => {
    const measure = consumer.measures.find((m) => m.fn === fn && m.field === price);
    return measure === undefined ? undefined : measureName(measure);
  });
  if (open !== undefined && high !== undefined && low !== undefined && close !== undefined) {
    const volume = consumer.measures.find((m) => m.fn === 'sum' && m.field !== price);
    return { kind: 'candles', open, high, low, close, ...(volume === undefined ? {} : { volume: measureName(volume) }) };
  }
  return { kind: 'series', measures: consumer.measures.map(measureName) };
}

/** One partition's offsets: `low` the earliest kept, `high` the next to be written; `committed` -1 when the group has none. */
export interface PartitionOffsets {
  readonly low: number;
  readonly high: number;
  readonly committed: number;
}

/**
 * A consumer group's lag on one partition: end offset minus committed offset. Without a commit
 * the group starts at the earliest record (TRIM_HORIZON: everything kept is lag) or at the end (LATEST: none).
 */
export function partitionLag({ low, high, committed }: PartitionOffsets, start: StartingPosition): number {
  if (committed >= 0) return Math.max(0, high - committed);
  return start === 'TRIM_HORIZON' ? Math.max(0, high - low) : 0;
}

/** Records per second between two samples of a topic's end offsets (sum over partitions); null without a previous sample. */
export function ingestRate(
  previous: { readonly at: number; readonly end: number } | undefined,
  current: { readonly at: number; readonly end: number },
): number | null {
  if (previous === undefined || current.at <= previous.at) return null;
  return Math.max(0, current.end - previous.end) / ((current.at - previous.at) / 1000);
}

/** A topic as the dashboard shows it. */
export interface TopicState {
  readonly name: string;
  readonly partitions: number;
  /** Sum of the partitions' end offsets: records ever written. */
  readonly endOffset: number;
  /** Records per second since the previous sample; null on the first. */
  readonly rate: number | null;
}

/** A consumer as the dashboard shows it. */
export interface ConsumerState {
  readonly name: string;
  /** Its consumer groups, one per mapping (topic). */
  readonly groupIds: readonly string[];
  readonly description?: string;
  readonly topics: readonly string[];
  readonly windowSeconds: number;
  /** Its pane length: a hopping window advances by this much (equal to `windowSeconds` when tumbling). */
  readonly advanceSeconds: number;
  readonly chart: ChartSpec;
  /** Whether it keeps the records it counts (`GET /results/{consumer}/records`): the card shows the last ones. */
  readonly keepRecords: boolean;
  /** Records written but not yet committed by the group; null when unknown (Kafka unreachable). */
  readonly lag: number | null;
  /** Sum of committed offsets: changes whenever the consumer makes progress. */
  readonly committed: number;
  /**
   * Records its event source mappings filtered out (matched no filter, never delivered) since the
   * stack started: the local side of the CloudWatch dashboard's `FilteredOutEventCount`. Null
   * when no mapping of this process runs it.
   */
  readonly filteredOut: number | null;
}

/** One sample of rates and lags, for the charts over time. */
export interface HistoryPoint {
  /** Epoch ms. */
  readonly t: number;
  readonly rates: Readonly<Record<string, number>>;
  readonly lags: Readonly<Record<string, number>>;
}

/** Everything the dashboard's page receives at each update. */
export interface DashboardState {
  /** Epoch ms of the sample. */
  readonly at: number;
  readonly topics: readonly TopicState[];
  readonly consumers: readonly ConsumerState[];
  /** The latest samples, oldest first. */
  readonly history: readonly HistoryPoint[];
  /** Why the last sample failed, if it did. */
  readonly error?: string;
}
