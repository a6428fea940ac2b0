import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { pipeline } from '../../pipeline';
import { mappingFilters } from '../../core/filter-pushdown';
import { KAFKA_PYTHON_VERSION } from '../../lib/constructs/client-host';
import { resolveConsumer, resolveTopic } from '../../core/spec';
import { actions, nagFindings, propertiesOf, resources, statements, synthesize, type Synthesized, text } from './synth';

// One synthesis for the whole file (STYLE §12: assert intent, not logical ids).
let synth: Synthesized;
beforeAll(() => {
  synth = synthesize('provisioned');
});

const consumers = pipeline.consumers.map(resolveConsumer);
const topicOf = (name: string) => resolveTopic(pipeline.topics.find((t) => t.name === name)!);

describe('MSK provisioned broker mode', () => {
  it('creates a small Kafka 3.9 cluster (ZooKeeper mode, as MSK documents t3 brokers) with IAM auth, TLS and broker logs', () => {
    // Act
    const { template } = synth;

    // Assess
    template.hasResourceProperties('AWS::MSK::Cluster', {
      KafkaVersion: '3.9.x',
      NumberOfBrokerNodes: 2,
      BrokerNodeGroupInfo: Match.objectLike({
        InstanceType: 'kafka.t3.small',
        StorageInfo: { EBSStorageInfo: { VolumeSize: 10 } },
      }),
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: Match.objectLike({ Enabled: true }) } },
    });
  });

  it('turns off automatic topic creation and unclean leader election', () => {
    // Act
    const [configuration] = propertiesOf<{ ServerProperties: string }>(synth.template, 'AWS::MSK::Configuration');

    // Assess
    expect(configuration.ServerProperties).toContain('auto.create.topics.enable=false');
    expect(configuration.ServerProperties).toContain('unclean.leader.election.enable=false');
    expect(configuration.ServerProperties).toContain('zookeeper.connection.timeout.ms=10000');
    synth.template.hasResourceProperties('AWS::MSK::Cluster', {
      ConfigurationInfo: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Configuration'), 'Arn'] },
        Revision: { 'Fn::GetAtt': [Match.stringLikeRegexp('Configuration'), 'LatestRevision.Revision'] },
      },
    });
  });

  it.each(pipeline.topics.map((t) => [t.name, t.partitions ?? 1]))(
    'creates topic %s as AWS::MSK::Topic with %d partitions and no Configs',
    (name, partitions) => {
      // Assess: the 7 days retention is the brokers' log.retention.ms (next test)
      synth.template.hasResourceProperties('AWS::MSK::Topic', {
        TopicName: name,
        PartitionCount: partitions,
        ReplicationFactor: 2,
        Configs: Match.absent(),
      });
    },
  );

  it("gives every topic without settings of its own the spec's default retention of 7 days, on the brokers", () => {
    // Act
    const [configuration] = propertiesOf<{ ServerProperties: string }>(synth.template, 'AWS::MSK::Configuration');

    // Assess
    expect(configuration.ServerProperties.split('\n')).toContain('log.retention.ms=604800000');
    synth.template.resourceCountIs('Custom::KafkaTopic', 0);
  });

  it('creates a topic with a retention of its own through the topic admin, never with AWS::MSK::Topic Configs', () => {
    // Prepare
    const spec = { ...pipeline, topics: pipeline.topics.map((t) => (t.name === 'tweets' ? { ...t, retentionHours: 24 } : t)) };

    // Act
    const { stack, template } = synthesize('provisioned', {}, spec);

    // Assess
    template.hasResourceProperties('Custom::KafkaTopic', { Name: 'tweets', RetentionHours: 24, ReplicationFactor: 2 });
    expect(nagFindings(stack)).toEqual([]);
    template.resourceCountIs('Custom::KafkaTopic', 1);
    expect(propertiesOf<{ TopicName: string }>(template, 'AWS::MSK::Topic').map((t) => t.TopicName)).not.toContain('tweets');
    expect(JSON.stringify(template.findResources('AWS::MSK::Topic'))).not.toContain('Configs');
  });

  it.each(consumers.map((c) => [c.name, c]))(
    'gives consumer %s one mapping per topic with its filters, group and error handling',
    (_name, consumer) => {
      for (const topic of consumer.topics) {
        // Assess
        synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          Topics: [topic],
          AmazonManagedKafkaEventSourceConfig: {
            ConsumerGroupId: consumer.topics.length === 1 ? consumer.groupId : `${consumer.groupId}.${topic}`,
          },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: consumer.batchSize,
          FilterCriteria:
            consumer.filters.length === 0
              ? Match.absent()
              : { Filters: mappingFilters(consumer, topicOf(topic)).map((f) => ({ Pattern: JSON.stringify(f) })) },
          MaximumRetryAttempts: consumer.retryAttempts,
          MaximumRecordAgeInSeconds: consumer.maxRecordAgeSeconds,
          BisectBatchOnFunctionError: true,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetters'), 'Arn'] } } },
        });
      }
    },
  );

  it('puts the course filters peso > 80 and imc > 35 on their mappings, with pass-throughs for tuples, text and a missing field', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FilterCriteria: {
        Filters: [
          { Pattern: '{"value":{"peso":[{"numeric":[">",80]}]}}' },
          { Pattern: '{"value":[{"exists":true}]}' },
          { Pattern: '{"value":{"peso":[{"exists":false}]}}' },
        ],
      },
    });
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FilterCriteria: {
        Filters: [
          { Pattern: '{"value":{"imc":[{"numeric":[">",35]}]}}' },
          { Pattern: '{"value":[{"exists":true}]}' },
          { Pattern: '{"value":{"imc":[{"exists":false}]}}' },
        ],
      },
    });
  });

  it('runs every mapping in provisioned-poller mode in one shared poller group', () => {
    // Act
    const mappings = propertiesOf<{ ProvisionedPollerConfig?: { PollerGroupName?: string; MinimumPollers?: number } }>(
      synth.template,
      'AWS::Lambda::EventSourceMapping',
    );
    const groups = new Set(mappings.map((m) => m.ProvisionedPollerConfig?.PollerGroupName));

    // Assess
    expect(mappings).toHaveLength(consumers.reduce((n, c) => n + c.topics.length, 0));
    expect(groups.size).toBe(1);
    expect([...groups][0]).toBe('Test-pollers');
    expect(mappings.every((m) => m.ProvisionedPollerConfig?.MinimumPollers === 1)).toBe(true);
  });

  it('lets the producer write only the spec topics, idempotently, without wildcards', () => {
    // Act
    const producer = statements(synth.template).filter((s) => s.policy.startsWith('ProducerRole'));
    const write = producer.find((s) => actions(s).includes('kafka-cluster:WriteData'));
    const connect = producer.find((s) => actions(s).includes('kafka-cluster:Connect'));

    // Assess
    expect(actions(write!)).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']);
    expect(resources(write!).map((r) => r.split('/').pop())).toEqual(pipeline.topics.map((t) => t.name));
    expect(resources(write!).every((r) => r.includes(':topic/'))).toBe(true);
    expect(actions(connect!)).toContain('kafka-cluster:WriteDataIdempotently');
  });

  it.each(consumers.map((c) => [c.name, c]))('lets consumer %s read only its topics and alter only its own group', (name, consumer) => {
    // Act
    const own = statements(synth.template).filter((s) => s.policy.startsWith(`Consumer${name.replace(/-/g, '')}HandlerRole`));
    const read = own.filter((s) => actions(s).includes('kafka-cluster:ReadData')).flatMap(resources);
    const group = own.filter((s) => actions(s).includes('kafka-cluster:AlterGroup')).flatMap(resources);

    // Assess
    expect(read.map((r) => r.split('/').pop()).sort()).toEqual([...consumer.topics].sort());
    expect(group.map((r) => r.split('/').pop()).sort()).toEqual(
      consumer.topics.map((t) => (consumer.topics.length === 1 ? consumer.groupId : `${consumer.groupId}.${t}`)).sort(),
    );
    expect(own.some((s) => actions(s).includes('kafka-cluster:DescribeClusterDynamicConfiguration'))).toBe(true);
    expect(own.some((s) => actions(s).includes('sqs:SendMessage'))).toBe(true);
  });

  it('never grants a kafka-cluster action on a wildcard resource', () => {
    // Act
    const dataPlane = statements(synth.template).filter((s) => actions(s).some((a) => a.startsWith('kafka-cluster:')));

    // Assess
    expect(dataPlane.length).toBeGreaterThan(0);
    for (const statement of dataPlane) {
      expect(actions(statement).every((a) => !a.includes('*'))).toBe(true);
      expect(resources(statement).every((r) => !r.includes('*'))).toBe(true);
    }
  });

  it('derives topic and group ARNs from the cluster ARN (name and uuid, never a wildcard)', () => {
    // Act
    const producer = statements(synth.template).find(
      (s) => s.policy.startsWith('ProducerRole') && actions(s).includes('kafka-cluster:WriteData'),
    );
    const arn = (producer!.Resource as unknown[])[0] as { 'Fn::Join': [string, unknown[]] };

    // Assess
    expect(JSON.stringify(arn)).toContain('"Fn::Split":["/",{"Fn::GetAtt":["KafkaProvisionedCluster');
    expect(text(arn)).toMatch(/^arn:<token>:kafka:<token>:<token>:topic\/<token>\/<token>\/mensagens$/);
  });

  it('reads the bootstrap brokers from GetBootstrapBrokers scoped to the cluster', () => {
    // Act
    const calls = propertiesOf<{ Create: unknown }>(synth.template, 'Custom::AWS').map((p) => text(p.Create));
    const lookup = statements(synth.template).find(
      (s) => actions(s).includes('kafka:GetBootstrapBrokers') && s.policy.startsWith('KafkaBootstrap'),
    );

    // Assess
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('"service":"Kafka","action":"getBootstrapBrokers"');
    expect(lookup!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^KafkaProvisionedCluster/), 'Arn'] });
  });

  it('sets the producer environment together with its grants', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^fluxo ingest'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: { Mode: 'Active' },
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({ KAFKA_AUTH: 'iam', KAFKA_BROKERS: Match.anyValue(), IDEMPOTENCY_TABLE: Match.anyValue() }),
      },
    });
  });

  it('admits the Kafka port only from security groups, never from an address range', () => {
    // Act
    const ingress = [
      ...propertiesOf(synth.template, 'AWS::EC2::SecurityGroupIngress'),
      ...propertiesOf<{ SecurityGroupIngress?: Record<string, unknown>[] }>(synth.template, 'AWS::EC2::SecurityGroup').flatMap(
        (p) => p.SecurityGroupIngress ?? [],
      ),
    ];
    const kafkaIngress = ingress.filter((rule) => rule.FromPort === 9098);

    // Assess
    expect(ingress.some((rule) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0')).toBe(false);
    expect(kafkaIngress.length).toBeGreaterThanOrEqual(3); // pollers (self), producer, client host
    expect(kafkaIngress.every((rule) => rule.SourceSecurityGroupId !== undefined && rule.CidrIp === undefined)).toBe(true);
  });

  it('configures the client host for IAM and lets its console tools use only the spec topics and group fluxo-cli', () => {
    // Act
    const [host] = propertiesOf<{ UserData: { 'Fn::Base64': unknown } }>(synth.template, 'AWS::EC2::Instance', {
      Tags: Match.arrayWith([{ Key: 'Name', Value: 'fluxo-client' }]),
    });
    const userData = text(host.UserData['Fn::Base64']);
    const hostStatements = statements(synth.template).filter((s) => s.policy.startsWith('ClientHostRole'));

    // Assess
    expect(userData).toContain('sasl.mechanism=AWS_MSK_IAM');
    expect(userData).toContain('aws-msk-iam-auth-2.3.2-all.jar');
    expect(userData).toContain('export BOOTSTRAP=');
    expect(userData).toContain('pip3 install kafka-python==3.0.12 botocore');
    expect(userData).toMatch(/export AWS_DEFAULT_REGION=\S+/);
    expect(
      hostStatements
        .filter((s) => actions(s).includes('kafka-cluster:WriteDataIdempotently'))
        .flatMap(resources)
        .every((r) => !r.includes(':topic/') && !r.includes(':group/')),
    ).toBe(true);
    expect(hostStatements.some((s) => actions(s).includes('kafka-cluster:WriteDataIdempotently'))).toBe(true);
    expect(
      hostStatements
        .filter((s) => actions(s).includes('kafka-cluster:AlterGroup'))
        .flatMap(resources)
        .map((r) => r.split('/').pop()),
    ).toEqual(['fluxo-cli']);
    expect(
      hostStatements
        .filter((s) => actions(s).includes('kafka-cluster:ReadData'))
        .flatMap(resources)
        .map((r) => r.split('/').pop()),
    ).toEqual(pipeline.topics.map((t) => t.name));
  });

  it('has no unacknowledged cdk-nag finding', () => {
    // Assess
    expect(nagFindings(synth.stack)).toEqual([]);
  });

  it('outputs the API URL, the API key command, the cluster ARN and the client host', () => {
    // Act
    const outputs = synth.template.findOutputs('*');

    // Assess
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'ApiKeyId', 'ApiKeyCommand', 'ClusterArn', 'ClientHostId', 'BootstrapBrokers']),
    );
    expect(text(outputs.ApiKeyCommand.Value)).toMatch(/^aws apigateway get-api-key --api-key <token> --include-value/);
  });
});

describe('the client host and the integration tests run one kafka-python', () => {
  it('pins the same version as test/integration/python/requirements.txt', () => {
    // Act
    const pinned = readFileSync(join(__dirname, '..', 'integration', 'python', 'requirements.txt'), 'utf8').match(
      /^kafka-python==(\S+)$/m,
    )?.[1];

    // Assess
    expect(pinned).toBe(KAFKA_PYTHON_VERSION);
  });
});
