import { Kafka } from 'kafkajs';
import type { CdkCustomResourceEvent } from 'aws-lambda';
import { handler, onTopicEvent, TopicPropertiesError, topicSettings } from '../../../lambdas/topics/index';
import type { TopicResourceProperties } from '../../../lambdas/topics/index';

jest.mock('kafkajs', () => ({ ...jest.requireActual<object>('kafkajs'), Kafka: jest.fn() }));
const MockedKafka = jest.mocked(Kafka);

interface AdminState {
  topics: string[];
  partitions: number;
  retentionMs: string;
}

function fakeAdmin(state: AdminState) {
  return {
    connect: jest.fn(async () => undefined),
    disconnect: jest.fn(async () => undefined),
    listTopics: jest.fn(async () => state.topics),
    createTopics: jest.fn(async ({ topics }: { topics: Array<{ topic: string; numPartitions: number }> }) => {
      state.topics.push(topics[0].topic);
      state.partitions = topics[0].numPartitions;
      return true;
    }),
    fetchTopicMetadata: jest.fn(async ({ topics }: { topics: string[] }) => ({
      topics: topics.map((name) => ({ name, partitions: Array.from({ length: state.partitions }, (_, partitionId) => ({ partitionId })) })),
    })),
    createPartitions: jest.fn(async ({ topicPartitions }: { topicPartitions: Array<{ count: number }> }) => {
      state.partitions = topicPartitions[0].count;
      return true;
    }),
    describeConfigs: jest.fn(async ({ resources }: { resources: Array<{ name: string }> }) => ({
      resources: [
        {
          resourceName: resources[0].name,
          configEntries: [{ configName: 'retention.ms', configValue: state.retentionMs, configSource: 1, isSensitive: false }],
        },
      ],
    })),
    alterConfigs: jest.fn(async ({ resources }: { resources: Array<{ configEntries: Array<{ name: string; value: string }> }> }) => {
      state.retentionMs = resources[0].configEntries.find((e) => e.name === 'retention.ms')?.value ?? state.retentionMs;
    }),
    deleteTopics: jest.fn(async ({ topics }: { topics: string[] }) => {
      state.topics = state.topics.filter((t) => !topics.includes(t));
    }),
  };
}

type FakeAdmin = ReturnType<typeof fakeAdmin>;

function kafkaWith(admin: FakeAdmin): Kafka {
  return { admin: () => admin } as unknown as Kafka;
}

const properties: TopicResourceProperties = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  Name: 'health',
  Partitions: '3',
  RetentionHours: '168',
  ReplicationFactor: '2',
};

function lifecycle(
  requestType: 'Create' | 'Update' | 'Delete',
  props: TopicResourceProperties = properties,
  physicalId = 'health',
): CdkCustomResourceEvent<TopicResourceProperties> {
  const common = {
    ServiceToken: props.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response.s3.amazonaws.com/x',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/fluxo/1',
    RequestId: 'b8b7a1c0-0000-4000-8000-000000000000',
    LogicalResourceId: 'TopicHealth',
    ResourceType: 'Custom::KafkaTopic',
    ResourceProperties: props,
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update')
    return { ...common, RequestType: 'Update', PhysicalResourceId: physicalId, OldResourceProperties: properties };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId };
}

afterEach(() => {
  MockedKafka.mockReset();
});

describe('topic admin custom resource', () => {
  it('creates a missing topic on Create and names it as the physical id', async () => {
    // Prepare
    const state = { topics: [], partitions: 0, retentionMs: '' };
    const admin = fakeAdmin(state);

    // Act
    const response = await onTopicEvent(lifecycle('Create'), kafkaWith(admin));

    // Assess
    expect(response).toEqual({ PhysicalResourceId: 'health', Data: { Name: 'health', Outcome: 'created' } });
    expect(admin.createTopics).toHaveBeenCalledWith(
      expect.objectContaining({
        topics: [
          { topic: 'health', numPartitions: 3, replicationFactor: 2, configEntries: [{ name: 'retention.ms', value: '604800000' }] },
        ],
      }),
    );
    expect(admin.disconnect).toHaveBeenCalledTimes(1);
  });

  it('is idempotent: a repeated Create of an existing, matching topic changes nothing', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: ['health'], partitions: 3, retentionMs: '604800000' });

    // Act
    const response = await onTopicEvent(lifecycle('Create'), kafkaWith(admin));

    // Assess
    expect(response.Data).toEqual({ Name: 'health', Outcome: 'unchanged' });
    expect(admin.createTopics).not.toHaveBeenCalled();
  });

  it('adds partitions and updates retention on Update', async () => {
    // Prepare
    const state = { topics: ['health'], partitions: 3, retentionMs: '604800000' };
    const admin = fakeAdmin(state);

    // Act
    const response = await onTopicEvent(lifecycle('Update', { ...properties, Partitions: '6', RetentionHours: '24' }), kafkaWith(admin));

    // Assess
    expect(response.Data).toEqual({ Name: 'health', Outcome: 'updated' });
    expect(state).toEqual({ topics: ['health'], partitions: 6, retentionMs: '86400000' });
  });

  it('fails an Update that would decrease partitions, with a clear message, and still disconnects', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: ['health'], partitions: 6, retentionMs: '604800000' });

    // Act
    const act = onTopicEvent(lifecycle('Update'), kafkaWith(admin));

    // Assess
    await expect(act).rejects.toThrow('topic "health" has 6 partitions; Kafka cannot decrease them to 3');
    expect(admin.disconnect).toHaveBeenCalledTimes(1);
  });

  it('treats a rename as a replacement: the new name becomes the physical id', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: ['health'], partitions: 3, retentionMs: '604800000' });

    // Act
    const response = await onTopicEvent(lifecycle('Update', { ...properties, Name: 'health-v2' }), kafkaWith(admin));

    // Assess
    expect(response.PhysicalResourceId).toBe('health-v2');
    expect(admin.createTopics).toHaveBeenCalled();
  });

  it('deletes the topic on Delete', async () => {
    // Prepare
    const state = { topics: ['health', 'other'], partitions: 3, retentionMs: '1' };
    const admin = fakeAdmin(state);

    // Act
    const response = await onTopicEvent(lifecycle('Delete'), kafkaWith(admin));

    // Assess
    expect(response).toEqual({ PhysicalResourceId: 'health' });
    expect(state.topics).toEqual(['other']);
  });

  it('ignores a topic that is already gone on Delete', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: [], partitions: 0, retentionMs: '' });

    // Act
    const response = await onTopicEvent(lifecycle('Delete'), kafkaWith(admin));

    // Assess
    expect(response).toEqual({ PhysicalResourceId: 'health' });
    expect(admin.deleteTopics).not.toHaveBeenCalled();
  });

  it('deletes nothing after a failed Create whose physical id is not a topic name', async () => {
    // Prepare
    const admin = fakeAdmin({ topics: ['health'], partitions: 3, retentionMs: '' });

    // Act
    await onTopicEvent(lifecycle('Delete', properties, 'fluxo/TopicHealth/Resource:b8b7a1c0'), kafkaWith(admin));

    // Assess
    expect(admin.listTopics).not.toHaveBeenCalled();
  });

  it.each([
    ['a bad name', { Name: 'has space' }, 'Name must be 1 to 249 of [a-zA-Z0-9._-]'],
    ['zero partitions', { Partitions: '0' }, 'Partitions must be a whole number from 1 to 1000 (got "0")'],
    ['a fractional retention', { RetentionHours: '1.5' }, 'RetentionHours must be a whole number from 1 to 87600'],
    ['an empty retention', { RetentionHours: '' }, 'RetentionHours must be a whole number from 1 to 87600'],
    ['a replication factor of 4', { ReplicationFactor: 4 }, 'ReplicationFactor must be a whole number from 1 to 3'],
  ])('refuses %s', (_, override, message) => {
    // Act
    const act = () => topicSettings({ ...properties, ...override });

    // Assess
    expect(act).toThrow(TopicPropertiesError);
    expect(act).toThrow(message);
  });

  it('reads numbers CloudFormation passes as strings or numbers, replication optional', () => {
    // Act
    const settings = topicSettings({ ServiceToken: 'x', Name: 't', Partitions: 2, RetentionHours: '1' });

    // Assess
    expect(settings).toEqual({ name: 't', partitions: 2, retentionHours: 1 });
  });

  it('connects with the environment Kafka settings as client fluxo-topics', async () => {
    // Prepare
    const saved = { ...process.env };
    process.env.KAFKA_BROKERS = 'b-1.example:9092';
    process.env.KAFKA_AUTH = 'none';
    const admin = fakeAdmin({ topics: [], partitions: 0, retentionMs: '' });
    MockedKafka.mockImplementation(() => kafkaWith(admin));

    try {
      // Act
      const response = await handler(lifecycle('Create'));

      // Assess
      expect(response.PhysicalResourceId).toBe('health');
      expect(MockedKafka).toHaveBeenCalledWith(
        expect.objectContaining({ brokers: ['b-1.example:9092'], clientId: 'fluxo-topics', requestTimeout: 30_000 }),
      );
    } finally {
      process.env = saved;
    }
  });
});
