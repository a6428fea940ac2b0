/**
 * The deployment settings the CDK app reads from context (`-c stage=...`, `-c brokerMode=...`,
 * `-c clientHost=...`, `-c producerReservedConcurrency=...`, `-c pollers=...`, `-c filters=...`), validated once so
 * that a typo fails the synth with a clear message.
 */
import { namedError } from '../core/errors';

/** Where the stack runs: `sandbox` data is destroyed with the stack, `prod` data is retained. */
export type Stage = 'sandbox' | 'prod';

/**
 * Which Kafka the pipeline runs on:
 * - `provisioned`: MSK provisioned, 2 x kafka.t3.small, IAM auth, topics as `AWS::MSK::Topic`;
 * - `serverless`: MSK Serverless, IAM auth, topics created by a custom resource;
 * - `ec2`: one self-managed KRaft broker on EC2 (the course's `hdpmaster`), plaintext inside the VPC.
 */
export type BrokerMode = 'provisioned' | 'serverless' | 'ec2';

/**
 * How the event source mappings poll Kafka:
 * - `provisioned`: provisioned pollers (billed per Event Poller Unit-hour) with the Kafka error
 *   handling controls, which need provisioned mode: retries, maximum record age, bisect on error,
 *   partial batch responses;
 * - `on-demand`: Lambda's default pollers, at no poller charge, without those controls: a failed
 *   batch is retried whole until it succeeds or its records leave the topic.
 */
export type PollerMode = 'provisioned' | 'on-demand';

/**
 * Where a consumer's filters apply:
 * - `mapping`: in the event source mapping's FilterCriteria too (the consumer's filters plus the
 *   pass-throughs, core/filter-pushdown.ts), so that AWS drops non-matching canonical
 *   records before the Lambda runs; that a Kafka value which is a JSON array (the course's tuples)
 *   is let through rests on filter behaviour AWS does not document for Kafka;
 * - `consumer`: in the consumer only: the mappings have no FilterCriteria, so every record is
 *   delivered, which AWS documents; every record costs an invocation share.
 */
export type FilterPlacement = 'mapping' | 'consumer';

/** The validated deployment settings. */
export interface DeploymentConfig {
  /** @default 'sandbox' */
  readonly stage: Stage;
  /** @default 'provisioned' */
  readonly brokerMode: BrokerMode;
  /** Whether to create the client host with the Kafka CLI tools. @default true in sandbox, false in prod */
  readonly clientHost: boolean;
  /**
   * Concurrency reserved for the producer Lambda, which also caps how many of its containers can
   * open Kafka connections at once. Opt-in: Lambda lets a function reserve concurrency only while
   * at least 100 of the account's concurrency stays unreserved, so reserving N needs an account
   * quota of at least N + 100, more than a new account has (see README, "On AWS").
   * @default none: the producer uses the account's unreserved pool
   */
  readonly producerReservedConcurrency?: number;
  /** How the event source mappings poll Kafka. @default 'provisioned' */
  readonly pollers: PollerMode;
  /** Where the consumers' filters apply. @default 'mapping' */
  readonly filters: FilterPlacement;
}

/** The stages the app accepts. */
export const STAGES: readonly Stage[] = ['sandbox', 'prod'];
/** The broker modes the app accepts. */
export const BROKER_MODES: readonly BrokerMode[] = ['provisioned', 'serverless', 'ec2'];
/** The poller modes the app accepts. */
export const POLLER_MODES: readonly PollerMode[] = ['provisioned', 'on-demand'];
/** The filter placements the app accepts. */
export const FILTER_PLACEMENTS: readonly FilterPlacement[] = ['mapping', 'consumer'];

/** A context value the app cannot use. */
export class DeploymentConfigError extends namedError('DeploymentConfigError') {}

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new DeploymentConfigError(`context "${key}" must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

function flag(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new DeploymentConfigError(`context "${key}" must be true or false (got ${JSON.stringify(value)})`);
}

function wholeNumber(key: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  throw new DeploymentConfigError(`context "${key}" must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
}

/**
 * Reads and validates the deployment settings.
 *
 * @param tryGetContext - how to read one context key, e.g. `(k) => app.node.tryGetContext(k)`
 * @throws DeploymentConfigError naming the key and the allowed values
 */
export function readDeploymentConfig(tryGetContext: (key: string) => unknown): DeploymentConfig {
  const stage = oneOf('stage', tryGetContext('stage'), STAGES, 'sandbox');
  const brokerMode = oneOf('brokerMode', tryGetContext('brokerMode'), BROKER_MODES, 'provisioned');
  const clientHost = flag('clientHost', tryGetContext('clientHost'), stage === 'sandbox');
  const producerReservedConcurrency = wholeNumber('producerReservedConcurrency', tryGetContext('producerReservedConcurrency'), 1, 10_000);
  const pollers = oneOf('pollers', tryGetContext('pollers'), POLLER_MODES, 'provisioned');
  const filters = oneOf('filters', tryGetContext('filters'), FILTER_PLACEMENTS, 'mapping');
  return {
    stage,
    brokerMode,
    clientHost,
    pollers,
    filters,
    ...(producerReservedConcurrency === undefined ? {} : { producerReservedConcurrency }),
  };
}
