import { Match } from 'aws-cdk-lib/assertions';
import { pipeline } from '../../pipeline';
import { actions, nagFindings, propertiesOf, statements, synthesize, type Synthesized, text } from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize('ec2');
});

describe('EC2 (self-managed hdpmaster) broker mode', () => {
  it('runs one KRaft broker named hdpmaster, IMDSv2 only, on an encrypted volume', () => {
    // Act
    const instances = synth.template.findResources('AWS::EC2::Instance', {
      Properties: { Tags: Match.arrayWith([{ Key: 'Name', Value: 'hdpmaster' }]) },
    });
    const userData = text(
      (Object.values(instances)[0] as { Properties: { UserData: { 'Fn::Base64': unknown } } }).Properties.UserData['Fn::Base64'],
    );

    // Assess
    expect(Object.keys(instances)).toHaveLength(1);
    expect(userData).toContain('process.roles=broker,controller');
    expect(userData).toContain('auto.create.topics.enable=false');
    expect(userData).toContain('https://archive.apache.org/dist/kafka/3.9.1/kafka_2.13-3.9.1.tgz');
    synth.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
    synth.template.hasResourceProperties('AWS::EC2::Instance', {
      BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
    });
  });

  it('makes CloudFormation wait for the broker to answer before creating topics', () => {
    // Act
    const broker = Object.values(
      synth.template.findResources('AWS::EC2::Instance', {
        Properties: { Tags: Match.arrayWith([{ Key: 'Name', Value: 'hdpmaster' }]) },
      }),
    )[0] as { CreationPolicy?: unknown; Properties: { UserData: { 'Fn::Base64': unknown } } };
    const userData = text(broker.Properties.UserData['Fn::Base64']);

    // Assess
    expect(broker.CreationPolicy).toEqual({ ResourceSignal: { Timeout: 'PT15M' } });
    expect(userData).toContain('/opt/aws/bin/cfn-signal');
    expect(userData).toContain('/dev/tcp/127.0.0.1/9092');
  });

  it('reads each topic through a self-managed Kafka mapping inside the VPC', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['health'],
      EventSourceArn: Match.absent(),
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: [Match.anyValue()] } },
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'fluxo-peso-acima-80' },
      SourceAccessConfigurations: Match.arrayWith([
        { Type: 'VPC_SUBNET', URI: Match.anyValue() },
        { Type: 'VPC_SECURITY_GROUP', URI: Match.anyValue() },
      ]),
      ProvisionedPollerConfig: Match.objectLike({ PollerGroupName: 'Test-pollers' }),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('creates the topics with replication factor 1 through the topic admin', () => {
    // Assess
    for (const topic of pipeline.topics) {
      synth.template.hasResourceProperties('Custom::KafkaTopic', { Name: topic.name, ReplicationFactor: 1 });
    }
  });

  it('connects clients in plaintext and grants no MSK data-plane actions', () => {
    // Act
    const kafkaStatements = statements(synth.template).filter((s) => actions(s).some((a) => a.startsWith('kafka')));

    // Assess
    expect(kafkaStatements).toEqual([]);
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^fluxo ingest'),
      Environment: { Variables: Match.objectLike({ KAFKA_AUTH: 'none' }) },
    });
  });

  it('admits port 9092 from the pollers, the producer, the topic admin and the client host only', () => {
    // Act
    const rules = propertiesOf(synth.template, 'AWS::EC2::SecurityGroupIngress').filter((p) => p.FromPort === 9092);

    // Assess
    expect(rules.map((r) => r.Description).sort()).toEqual(
      ['client host (Kafka CLI)', 'event source mapping pollers', 'producer Lambda', 'topic admin Lambda'].map((d) =>
        expect.stringContaining(d),
      ),
    );
    expect(rules.every((r) => r.CidrIp === undefined && r.SourceSecurityGroupId !== undefined)).toBe(true);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    // Assess
    expect(nagFindings(synth.stack)).toEqual([]);
  });
});
