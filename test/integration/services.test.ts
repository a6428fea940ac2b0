/**
 * The local services the integration project runs on (started by global-setup.ts): a real Kafka
 * broker and DynamoDB Local, with the tables and the built-in spec's topics in place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { createDocumentClient } from '../../lambdas/clients/dynamodb';
import { ENV } from '../../core/config';
import { aggregateKey } from '../../core/keys';
import { resolveTopic, type PipelineSpec } from '../../core/spec';
import { pipeline } from '../../pipeline';
import {
  DataDirInUseError,
  LOCAL_TABLES,
  ensureTables,
  ensureTopics,
  kafkaTool,
  localDynamoDbClient,
  localKafkaAdmin,
  startServices,
} from '../../local/emulation/services';
import { isAlive as isProcessAlive } from '../../local/emulation/services/process';

const brokers = (): string => process.env[ENV.kafkaBrokers] ?? '';
const endpoint = (): string => process.env[ENV.dynamodbEndpoint] ?? '';

function kafka(): Kafka {
  return new Kafka({ clientId: 'services-test', brokers: brokers().split(','), logLevel: logLevel.NOTHING });
}

function uniqueTopic(): string {
  return `services-test-${randomUUID()}`;
}

/** Polls `check` until it returns true or the deadline passes. */
async function eventually(check: () => boolean | Promise<boolean>, deadlineMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/** Whether the process runs (an exited, not yet reaped orphan does not). */
function isAlive(pid: number | undefined): boolean {
  return pid !== undefined && isProcessAlive(pid);
}

describe('the local Kafka broker', () => {
  let admin: Admin;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeEach(async () => {
    admin = localKafkaAdmin(brokers());
    await admin.connect();
  });

  afterEach(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.disconnect();
    consumer = undefined;
    producer = undefined;
  });

  it('takes records with acks=all and returns them, in order, to a consumer group reading from the beginning', async () => {
    // Prepare
    const topic = uniqueTopic();
    await ensureTopics(brokers(), { topics: [{ name: topic, partitions: 1, schema: { fields: {} } }], consumers: [] });
    producer = kafka().producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    const sent = ['{"peso":81}', '{"peso":95}', '{"peso":60}'];

    // Act
    const acks = await producer.send({ topic, acks: -1, messages: sent.map((value, i) => ({ key: `k${i}`, value })) });
    consumer = kafka().consumer({ groupId: `services-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; offset: string }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', offset: message.offset });
      },
    });
    await eventually(() => received.length >= sent.length);

    // Assess
    expect(acks).toEqual([expect.objectContaining({ topicName: topic, partition: 0, baseOffset: '0' })]);
    expect(received).toEqual(sent.map((value, i) => ({ key: `k${i}`, value, offset: String(i) })));
  });

  it("runs Kafka's own command-line tools from the cached jars: kafka-producer-perf-test writes every record with acks=all", async () => {
    // Prepare
    const topic = uniqueTopic();
    await ensureTopics(brokers(), { topics: [{ name: topic, partitions: 2, schema: { fields: {} } }], consumers: [] });
    const records = 20_000;
    const tool = await kafkaTool('org.apache.kafka.tools.ProducerPerformance', [
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      '100',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${brokers()}`,
      'acks=all',
    ]);

    // Act
    const run = spawn(tool.command, tool.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    run.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const [code] = (await once(run, 'exit')) as [number | null];

    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^${records} records sent, [\\d.]+ records/sec`, 'm'));
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(records);
  });

  it('refuses records for a topic that does not exist instead of creating it', async () => {
    // Prepare
    const topic = uniqueTopic();
    producer = new Kafka({
      clientId: 'services-test',
      brokers: brokers().split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 1 },
    }).producer({
      allowAutoTopicCreation: false,
    });
    await producer.connect();

    // Act
    const sending = producer.send({ topic, acks: -1, messages: [{ value: 'x' }] });

    // Assess
    await expect(sending).rejects.toThrow();
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('has every topic of the built-in spec with its partitions and retention', async () => {
    // Prepare
    const topics = pipeline.topics.map(resolveTopic);

    // Act
    const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: ['retention.ms'] })),
    });

    // Assess
    for (const topic of topics) {
      expect(metadata.topics.find((m) => m.name === topic.name)?.partitions).toHaveLength(topic.partitions);
      const retention = configs.resources
        .find((r) => r.resourceName === topic.name)
        ?.configEntries.find((e) => e.configName === 'retention.ms');
      expect(retention?.configValue).toBe(String(topic.retentionHours * 3_600_000));
    }
  });

  it('ensureTopics creates nothing on a second run, and grows partitions and changes retention when the spec does', async () => {
    // Prepare
    const name = uniqueTopic();
    const spec = (partitions: number, retentionHours: number): PipelineSpec => ({
      topics: [{ name, partitions, retentionHours, schema: { fields: {} } }],
      consumers: [],
    });
    const first = await ensureTopics(brokers(), spec(1, 168));

    // Act
    const again = await ensureTopics(brokers(), spec(1, 168));
    const grown = await ensureTopics(brokers(), spec(3, 2));

    // Assess
    expect(first).toEqual({ created: [name], updated: [], unchanged: [] });
    expect(again).toEqual({ created: [], updated: [], unchanged: [name] });
    expect(grown).toEqual({ created: [], updated: [name], unchanged: [] });
    // New partitions reach the metadata a moment after createPartitions returns (KRaft metadata lag).
    const grownInMetadata = await eventually(
      async () => (await admin.fetchTopicMetadata({ topics: [name] })).topics[0]?.partitions.length === 3,
      10_000,
    );
    expect(grownInMetadata).toBe(true);
    // So does an altered config: the broker answering DescribeConfigs may not have it yet.
    const retention = async (): Promise<string | undefined> =>
      (
        await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
        })
      ).resources[0]?.configEntries[0]?.configValue;
    expect(await eventually(async () => (await retention()) === '7200000', 10_000)).toBe(true);
  });
});

describe('the local DynamoDB', () => {
  const client = localDynamoDbClient(endpoint());
  const documents = createDocumentClient();

  afterAll(() => {
    client.destroy();
    documents.destroy();
  });

  it('stores an item in the results table and reads it back', async () => {
    // Prepare
    const key = aggregateKey('services-test', randomUUID(), Date.UTC(2026, 0, 1));
    const item = { ...key, count: 3, measures: { peso: { n: 3, sum: 270 } } };

    // Act
    await documents.send(new PutCommand({ TableName: LOCAL_TABLES.results, Item: item }));
    const read = await documents.send(
      new GetCommand({ TableName: LOCAL_TABLES.results, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
    );

    // Assess
    expect(read.Item).toEqual(item);
  });

  it('has the results table with its byWindow index and the idempotency table, both with TTL on', async () => {
    // Act
    const results = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLES.results }));
    const idempotency = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLES.idempotency }));
    const resultsTtl = await client.send(new DescribeTimeToLiveCommand({ TableName: LOCAL_TABLES.results }));
    const idempotencyTtl = await client.send(new DescribeTimeToLiveCommand({ TableName: LOCAL_TABLES.idempotency }));

    // Assess
    expect(results.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(results.Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'byWindow',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    expect(idempotency.Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(resultsTtl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    expect(idempotencyTtl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiration', TimeToLiveStatus: 'ENABLED' });
  });

  it('ensureTables leaves existing tables alone', async () => {
    // Act
    const again = await ensureTables(endpoint());

    // Assess
    expect(again).toEqual({ created: [], existing: [LOCAL_TABLES.results, LOCAL_TABLES.idempotency] });
  });
});

describe('startServices', () => {
  it('uses the services named in KAFKA_BROKERS and DYNAMODB_ENDPOINT instead of starting its own', async () => {
    // Prepare
    const env = { ...process.env, [ENV.kafkaBrokers]: brokers(), [ENV.dynamodbEndpoint]: endpoint() };

    // Act
    const services = await startServices({ env });
    await services.stop();

    // Assess
    expect(services).toMatchObject({
      kafkaBrokers: brokers(),
      dynamodbEndpoint: endpoint(),
      started: { kafka: false, dynamodb: false },
      pids: {},
    });
  });

  it('stops the JVM it started, and stop() resolves only once it has exited', async () => {
    // Prepare: only DynamoDB Local is started; Kafka is the run's own.
    const env = { ...process.env, [ENV.kafkaBrokers]: brokers(), [ENV.dynamodbEndpoint]: '' };
    const dataDir = mkdtempSync(join(tmpdir(), 'fluxo-services-test-'));
    const services = await startServices({ env, dataDir, inMemory: true });
    const pid = services.pids.dynamodb;
    const runningBefore = isAlive(pid);

    // Act
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });

    // Assess
    expect(services.started).toEqual({ kafka: false, dynamodb: true });
    expect(runningBefore).toBe(true);
    expect(isAlive(pid)).toBe(false);
  });
});

/** Starts `local/emulation/services/cli.ts --json` in its own Node process (DynamoDB Local only; Kafka is the run's) and reads its ready line. */
async function startServicesProcess(dataDir: string): Promise<{ child: ChildProcess; dynamodbPid: number }> {
  const cli = join(__dirname, '..', '..', 'local', 'emulation', 'services', 'cli.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--json', '--in-memory', '--data-dir', dataDir], {
    env: { ...process.env, [ENV.kafkaBrokers]: brokers(), [ENV.dynamodbEndpoint]: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  const ready = JSON.parse(line) as { pids: { dynamodb: number } };
  return { child, dynamodbPid: ready.pids.dynamodb };
}

describe('a local stack in another process', () => {
  const leftovers: number[] = [];
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'fluxo-services-test-'));
  });

  afterEach(() => {
    for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps its data directory: a second start on it is refused while it runs, and SIGTERM stops its JVM', async () => {
    // Prepare
    const other = await startServicesProcess(dataDir);
    leftovers.push(other.dynamodbPid);
    const env = { ...process.env, [ENV.kafkaBrokers]: brokers(), [ENV.dynamodbEndpoint]: '' };

    // Act
    const second = startServices({ env, dataDir, inMemory: true });
    await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
    other.child.kill('SIGTERM');
    await once(other.child, 'exit');

    // Assess
    expect(isAlive(other.dynamodbPid)).toBe(false);
  });

  it('leaves no JVM of a crashed (SIGKILLed) run behind once the next run has started', async () => {
    // Prepare: on Linux the kernel stops the orphan (setpriv --pdeathsig); elsewhere the next start does (PID file).
    const crashed = await startServicesProcess(dataDir);
    leftovers.push(crashed.dynamodbPid);
    crashed.child.kill('SIGKILL');
    await once(crashed.child, 'exit');
    const env = { ...process.env, [ENV.kafkaBrokers]: brokers(), [ENV.dynamodbEndpoint]: '' };

    // Act
    const services = await startServices({ env, dataDir, inMemory: true });
    const orphanAfterStart = isAlive(crashed.dynamodbPid);
    await services.stop();

    // Assess
    expect(orphanAfterStart).toBe(false);
    expect(services.pids.dynamodb).not.toBe(crashed.dynamodbPid);
  });
});
