import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import {
  createIdempotentProducer,
  createKafka,
  deleteTopicIfExists,
  ensureTopic,
  isUnknownTopicError,
  IAM_RETRY,
  kafkaConfig,
  KafkaConfigurationError,
  kafkaOptionsFromEnv,
  LazyProducer,
  PartitionDecreaseError,
  SEND_OPTIONS,
} from '../../../lambdas/clients/kafka';
import { retentionMs } from '../../../core/deployment';

jest.mock('aws-msk-iam-sasl-signer-js', () => ({ generateAuthToken: jest.fn() }));
const mockedToken = jest.mocked(generateAuthToken);

afterEach(() => {
  jest.clearAllMocks();
});

describe('configuration from the environment', () => {
  it('reads brokers, auth and region', () => {
    // Prepare
    const env = { KAFKA_BROKERS: 'b-1:9098, b-2:9098', KAFKA_AUTH: 'iam', AWS_REGION: 'sa-east-1' };

    // Act
    const options = kafkaOptionsFromEnv(env);

    // Assess
    expect(options).toEqual({ brokers: ['b-1:9098', 'b-2:9098'], auth: 'iam', region: 'sa-east-1' });
  });

  it('defaults to plaintext', () => {
    // Act
    const options = kafkaOptionsFromEnv({ KAFKA_BROKERS: '127.0.0.1:9092' });

    // Assess
    expect(options.auth).toBe('none');
  });

  it.each([
    ['no brokers', {}, 'environment variable KAFKA_BROKERS is not set'],
    ['a broker without port', { KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS: "localhost" is not host:port'],
    ['an unknown auth', { KAFKA_BROKERS: 'a:1', KAFKA_AUTH: 'scram' }, 'KAFKA_AUTH must be "iam" or "none" (got "scram")'],
  ])('refuses %s', (_, env, message) => {
    // Act
    const act = () => kafkaOptionsFromEnv(env);

    // Assess
    expect(act).toThrow(KafkaConfigurationError);
    expect(act).toThrow(message);
  });
});

describe('the kafkajs configuration', () => {
  it('is plaintext with short timeouts and no kafkajs logging for auth none', () => {
    // Act
    const config = kafkaConfig({ brokers: ['127.0.0.1:9092'] });

    // Assess
    expect(config).toEqual({
      clientId: 'fluxo',
      brokers: ['127.0.0.1:9092'],
      connectionTimeout: 3000,
      authenticationTimeout: 3000,
      requestTimeout: 5000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: logLevel.NOTHING,
    });
  });

  it('uses TLS and OAUTHBEARER with an MSK IAM token for auth iam', async () => {
    // Prepare
    mockedToken.mockResolvedValue({ token: 'signed-token', expiryTime: 1 });
    const config = kafkaConfig({ brokers: ['b-1:9098'], auth: 'iam', region: 'us-east-1' });

    // Act
    const sasl = config.sasl;
    const token = sasl !== undefined && 'oauthBearerProvider' in sasl ? await sasl.oauthBearerProvider() : undefined;

    // Assess
    expect(config.ssl).toBe(true);
    expect(config.retry).toEqual(IAM_RETRY);
    expect(sasl?.mechanism).toBe('oauthbearer');
    expect(token).toEqual({ value: 'signed-token' });
    expect(mockedToken).toHaveBeenCalledWith({ region: 'us-east-1' });
  });

  it("spreads refused IAM connections over seconds, and still answers within API Gateway's 29 s", () => {
    // Prepare: kafkajs waits initialRetryTime x multiplier (2) ^ n, capped, randomised by +-factor
    const { retries, initialRetryTime, maxRetryTime, factor } = IAM_RETRY;
    const waits = Array.from({ length: retries }, (_, n) => Math.min(maxRetryTime, initialRetryTime * 2 ** n) * (1 + factor));
    const connectTimeouts = (retries + 1) * 3000;

    // Act
    const worstCaseMs = waits.reduce((sum, w) => sum + w, 0) + connectTimeouts;

    // Assess
    expect(initialRetryTime).toBeGreaterThanOrEqual(250); // past the broker's one-second window in a few tries
    expect(factor).toBeGreaterThan(0.2); // more jitter than kafkajs' default, so a burst does not come back together
    expect(worstCaseMs).toBeLessThan(29_000);
  });

  it('refuses IAM auth without a region and a client without brokers', () => {
    // Act
    const noRegion = () => kafkaConfig({ brokers: ['b:1'], auth: 'iam' });
    const noBrokers = () => kafkaConfig({ brokers: [] });

    // Assess
    expect(noRegion).toThrow('auth "iam" needs the AWS region (AWS_REGION)');
    expect(noBrokers).toThrow('at least one broker is required');
  });

  it('creates a kafkajs client without connecting', () => {
    // Act
    const kafka = createKafka({ brokers: ['127.0.0.1:1'] });

    // Assess
    expect(kafka).toBeInstanceOf(Kafka);
  });
});

describe('the idempotent producer', () => {
  it('is idempotent, one request in flight, bounded retries and no topic auto-creation', () => {
    // Prepare
    const producer = jest.fn();
    const kafka = { producer } as unknown as Kafka;
    const createPartitioner = jest.fn();

    // Act
    createIdempotentProducer(kafka, { createPartitioner });

    // Assess
    expect(producer).toHaveBeenCalledWith({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      createPartitioner,
    });
  });

  it('sends with acks from all in-sync replicas and GZIP', () => {
    // Assess
    expect(SEND_OPTIONS).toEqual({ acks: -1, compression: CompressionTypes.GZIP });
  });
});

function fakeProducer(connect: () => Promise<void> = () => Promise.resolve()): Producer & { connect: jest.Mock; disconnect: jest.Mock } {
  return { connect: jest.fn(connect), disconnect: jest.fn(() => Promise.resolve()) } as unknown as Producer & {
    connect: jest.Mock;
    disconnect: jest.Mock;
  };
}

describe('one lazily connected producer per container', () => {
  it('connects once and reuses the producer', async () => {
    // Prepare
    const producer = fakeProducer();
    const create = jest.fn(() => producer);
    const lazy = new LazyProducer(create);

    // Act
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    const c = await lazy.get();

    // Assess
    expect(a).toBe(producer);
    expect(b).toBe(producer);
    expect(c).toBe(producer);
    expect(create).toHaveBeenCalledTimes(1);
    expect(producer.connect).toHaveBeenCalledTimes(1);
  });

  it('tries again after a failed connect', async () => {
    // Prepare
    const broken = fakeProducer(() => Promise.reject(new Error('ECONNREFUSED')));
    const working = fakeProducer();
    const create = jest.fn().mockReturnValueOnce(broken).mockReturnValueOnce(working);
    const lazy = new LazyProducer(create);

    // Act
    await expect(lazy.get()).rejects.toThrow('ECONNREFUSED');
    const second = await lazy.get();

    // Assess
    expect(second).toBe(working);
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('disconnects on reset and reconnects a new producer next time', async () => {
    // Prepare
    const first = fakeProducer();
    const second = fakeProducer();
    const lazy = new LazyProducer(jest.fn().mockReturnValueOnce(first).mockReturnValueOnce(second));
    await lazy.get();

    // Act
    await lazy.reset();
    const next = await lazy.get();

    // Assess
    expect(first.disconnect).toHaveBeenCalledTimes(1);
    expect(next).toBe(second);
  });

  it('resets quietly when nothing is connected or the connection is broken', async () => {
    // Prepare
    const idle = new LazyProducer(jest.fn());
    const broken = new LazyProducer(() => fakeProducer(() => Promise.reject(new Error('down'))));
    const pending = broken.get().catch((error: Error) => error.message);

    // Act
    await idle.reset();
    await broken.reset();

    // Assess
    await expect(pending).resolves.toBe('down');
  });
});

interface FakeAdmin {
  listTopics: jest.Mock;
  createTopics: jest.Mock;
  fetchTopicMetadata: jest.Mock;
  createPartitions: jest.Mock;
  describeConfigs: jest.Mock;
  alterConfigs: jest.Mock;
  deleteTopics: jest.Mock;
}

function fakeAdmin(state: {
  topics: string[];
  partitions?: number;
  configs?: Array<{ configName: string; configValue: string; configSource: number; isSensitive?: boolean }>;
}): FakeAdmin {
  return {
    listTopics: jest.fn(async () => state.topics),
    createTopics: jest.fn(async () => true),
    fetchTopicMetadata: jest.fn(async ({ topics }: { topics: string[] }) => ({
      topics: topics.map((name) => ({ name, partitions: Array.from({ length: state.partitions ?? 1 }, (_, i) => ({ partitionId: i })) })),
    })),
    createPartitions: jest.fn(async () => true),
    describeConfigs: jest.fn(async ({ resources }: { resources: Array<{ name: string }> }) => ({
      resources: resources.map((r) => ({
        resourceName: r.name,
        configEntries: (state.configs ?? []).map((c) => ({ isSensitive: false, ...c })),
      })),
    })),
    alterConfigs: jest.fn(async () => undefined),
    deleteTopics: jest.fn(async () => undefined),
  };
}

const asAdmin = (fake: FakeAdmin): Admin => fake as unknown as Admin;
const week = retentionMs(168);
/** An admin whose topic health has these partitions and a week's retention. */
const healthWithWeekRetention = (partitions: number): FakeAdmin =>
  fakeAdmin({ topics: ['health'], partitions, configs: [{ configName: 'retention.ms', configValue: week, configSource: 1 }] });

describe('making a topic match its settings', () => {
  it('creates a missing topic with its partitions, replication and retention', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: [] });

    // Act
    const outcome = await ensureTopic(asAdmin(admin), { name: 'health', partitions: 3, retentionHours: 168, replicationFactor: 2 });

    // Assess
    expect(outcome).toBe('created');
    expect(admin.createTopics).toHaveBeenCalledWith({
      waitForLeaders: true,
      topics: [{ topic: 'health', numPartitions: 3, replicationFactor: 2, configEntries: [{ name: 'retention.ms', value: '604800000' }] }],
    });
  });

  it("uses the broker's replication factor when none is given", async () => {
    // Prepare
    const admin = fakeAdmin({ topics: [] });

    // Act
    await ensureTopic(asAdmin(admin), { name: 't', partitions: 1, retentionHours: 1 });

    // Assess
    expect(admin.createTopics.mock.calls[0][0].topics[0].replicationFactor).toBe(-1);
  });

  it('changes nothing when the topic already matches', async () => {
    // Prepare
    const admin = healthWithWeekRetention(3);

    // Act
    const outcome = await ensureTopic(asAdmin(admin), { name: 'health', partitions: 3, retentionHours: 168 });

    // Assess
    expect(outcome).toBe('unchanged');
    expect(admin.createTopics).not.toHaveBeenCalled();
    expect(admin.createPartitions).not.toHaveBeenCalled();
    expect(admin.alterConfigs).not.toHaveBeenCalled();
  });

  it('adds partitions when the topic has fewer', async () => {
    // Prepare
    const admin = healthWithWeekRetention(2);

    // Act
    const outcome = await ensureTopic(asAdmin(admin), { name: 'health', partitions: 5, retentionHours: 168 });

    // Assess
    expect(outcome).toBe('updated');
    expect(admin.createPartitions).toHaveBeenCalledWith({ topicPartitions: [{ topic: 'health', count: 5 }] });
  });

  it('refuses to decrease partitions with a clear error', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: ['health'], partitions: 3 });

    // Act
    const act = ensureTopic(asAdmin(admin), { name: 'health', partitions: 1, retentionHours: 168 });

    // Assess
    await expect(act).rejects.toThrow(PartitionDecreaseError);
    await expect(ensureTopic(asAdmin(admin), { name: 'health', partitions: 1, retentionHours: 168 })).rejects.toThrow(
      'topic "health" has 3 partitions; Kafka cannot decrease them to 1',
    );
  });

  it("sets retention.ms and keeps the topic's other dynamic configs", async () => {
    // Prepare
    const admin = fakeAdmin({
      topics: ['health'],
      partitions: 1,
      configs: [
        { configName: 'retention.ms', configValue: '1000', configSource: 1 },
        { configName: 'cleanup.policy', configValue: 'delete', configSource: 1 },
        { configName: 'segment.bytes', configValue: '1073741824', configSource: 5 },
      ],
    });

    // Act
    const outcome = await ensureTopic(asAdmin(admin), { name: 'health', partitions: 1, retentionHours: 24 });

    // Assess
    expect(outcome).toBe('updated');
    expect(admin.alterConfigs).toHaveBeenCalledWith({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: 'health',
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '86400000' },
          ],
        },
      ],
    });
  });

  it('reconciles a topic someone else created meanwhile', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: [], partitions: 1 });
    admin.createTopics.mockResolvedValue(false);

    // Act
    const outcome = await ensureTopic(asAdmin(admin), { name: 't', partitions: 2, retentionHours: 1 });

    // Assess
    expect(outcome).toBe('updated');
    expect(admin.createPartitions).toHaveBeenCalledWith({ topicPartitions: [{ topic: 't', count: 2 }] });
  });
});

describe('deleting a topic', () => {
  it.each([
    ['deletes an existing topic', ['health'], 'health', true],
    ['ignores a topic that does not exist', [], 'gone', false],
  ])('%s', async (_, topics, name, exists) => {
    // Prepare
    const admin = fakeAdmin({ topics });

    // Act
    const existed = await deleteTopicIfExists(asAdmin(admin), name);

    // Assess
    expect(existed).toBe(exists);
    expect(admin.deleteTopics.mock.calls).toEqual(exists ? [[{ topics: [name] }]] : []);
  });

  it('ignores a topic deleted meanwhile (UNKNOWN_TOPIC_OR_PARTITION, even wrapped)', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: ['t'] });
    const protocolError = Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    admin.deleteTopics.mockRejectedValue(Object.assign(new Error('retries exceeded'), { originalError: protocolError }));

    // Act
    const existed = await deleteTopicIfExists(asAdmin(admin), 't');

    // Assess
    expect(existed).toBe(false);
  });

  it('passes other failures on', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: ['t'] });
    admin.deleteTopics.mockRejectedValue(Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED' }));

    // Act
    const act = deleteTopicIfExists(asAdmin(admin), 't');

    // Assess
    await expect(act).rejects.toThrow('denied');
    expect(isUnknownTopicError('not an error')).toBe(false);
  });
});
