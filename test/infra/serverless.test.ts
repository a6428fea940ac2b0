import { Match } from 'aws-cdk-lib/assertions';
import { pipeline } from '../../pipeline';
import { actions, nagFindings, propertiesOf, resources, statements, synthesize, type Synthesized } from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize('serverless');
});

describe('MSK Serverless broker mode', () => {
  it('creates an MSK Serverless cluster with IAM authentication in the private subnets', () => {
    // Act
    const clusters = propertiesOf<{ ClientAuthentication: unknown; VpcConfigs: Array<{ SubnetIds: unknown[] }> }>(
      synth.template,
      'AWS::MSK::ServerlessCluster',
    );

    // Assess
    synth.template.resourceCountIs('AWS::MSK::Cluster', 0);
    expect(clusters).toHaveLength(1);
    expect(clusters[0].ClientAuthentication).toEqual({ Sasl: { Iam: { Enabled: true } } });
    expect(clusters[0].VpcConfigs[0].SubnetIds).toHaveLength(2);
  });

  it.each(pipeline.topics.map((t) => [t.name, t.partitions ?? 1]))(
    'creates topic %s with %d partitions through the topic admin custom resource',
    (name, partitions) => {
      // Assess
      synth.template.resourceCountIs('AWS::MSK::Topic', 0);
      synth.template.hasResourceProperties('Custom::KafkaTopic', {
        Name: name,
        Partitions: partitions,
        RetentionHours: 168,
        ReplicationFactor: Match.absent(),
      });
    },
  );

  it('lets the topic admin manage exactly the spec topics', () => {
    // Act
    const admin = statements(synth.template).find(
      (s) => s.policy.startsWith('KafkaTopicsFunctionRole') && actions(s).includes('kafka-cluster:CreateTopic'),
    );

    // Assess
    expect(resources(admin!).map((r) => r.split('/').pop())).toEqual(pipeline.topics.map((t) => t.name));
    expect(actions(admin!)).toEqual(expect.arrayContaining(['kafka-cluster:AlterTopicDynamicConfiguration', 'kafka-cluster:DeleteTopic']));
  });

  it('points every mapping at the serverless cluster and starts it after the topics exist', () => {
    // Act
    const mappings = Object.values(synth.template.findResources('AWS::Lambda::EventSourceMapping')) as Array<{
      DependsOn?: string[];
      Properties: { EventSourceArn: unknown };
    }>;

    // Assess
    for (const mapping of mappings) {
      expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^KafkaServerlessCluster/), 'Arn'] });
      expect((mapping.DependsOn ?? []).filter((d) => d.startsWith('KafkaTopicsTopic'))).toHaveLength(pipeline.topics.length);
    }
  });

  it('runs the topic admin inside the VPC with the cluster connection settings', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^fluxo topic admin'),
      VpcConfig: Match.objectLike({ SecurityGroupIds: Match.anyValue() }),
      Environment: { Variables: Match.objectLike({ KAFKA_AUTH: 'iam', KAFKA_BROKERS: Match.anyValue() }) },
    });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    // Assess
    expect(nagFindings(synth.stack)).toEqual([]);
  });
});
