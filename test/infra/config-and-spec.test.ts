import { App } from 'aws-cdk-lib';
import { pipeline } from '../../pipeline';
import { resolveConsumer, resolveTopic, SpecValidationError, type PipelineSpec } from '../../core/spec';
import { DeploymentConfigError, readDeploymentConfig } from '../../lib/config';
import { filterCriteria } from '../../lib/constructs/consumer';
import { pathParameters } from '../../lib/constructs/ingest-api';
import { BROKER_RETENTION_HOURS, hasBrokerDefaultConfigs } from '../../lib/constructs/msk-provisioned-cluster';
import { topicResourceProperties } from '../../lib/constructs/topic-admin';
import { FluxoStack, stackName } from '../../lib/fluxo-stack';

function catchError(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('deployment context', () => {
  it('defaults to a sandbox on MSK provisioned with a client host', () => {
    // Act
    const config = readDeploymentConfig(context({}));

    // Assess
    expect(config).toEqual({ stage: 'sandbox', brokerMode: 'provisioned', clientHost: true, pollers: 'provisioned', filters: 'mapping' });
  });

  it('turns the client host off by default in prod, and reads string flags from the command line', () => {
    // Act
    const prod = readDeploymentConfig(context({ stage: 'prod' }));
    const explicit = readDeploymentConfig(context({ stage: 'prod', brokerMode: 'ec2', clientHost: 'true' }));

    // Assess
    expect(prod.clientHost).toBe(false);
    expect(explicit).toEqual({ stage: 'prod', brokerMode: 'ec2', clientHost: true, pollers: 'provisioned', filters: 'mapping' });
  });

  it.each([
    [{ brokerMode: 'kafka' }, /context "brokerMode" must be one of provisioned, serverless, ec2 \(got "kafka"\)/],
    [{ stage: 'dev' }, /context "stage" must be one of sandbox, prod \(got "dev"\)/],
    [{ clientHost: 'yes' }, /context "clientHost" must be true or false \(got "yes"\)/],
    [{ pollers: 'lazy' }, /context "pollers" must be one of provisioned, on-demand \(got "lazy"\)/],
    [{ filters: 'both' }, /context "filters" must be one of mapping, consumer \(got "both"\)/],
  ])('rejects %j with a clear error', (values, message) => {
    // Act
    const act = () => readDeploymentConfig(context(values));

    // Assess
    expect(act).toThrow(DeploymentConfigError);
    expect(act).toThrow(message);
  });

  it('reserves no producer concurrency unless asked, and reads the number from the command line', () => {
    // Act
    const byDefault = readDeploymentConfig(context({}));
    const asked = readDeploymentConfig(context({ producerReservedConcurrency: '10' }));

    // Assess
    expect(byDefault.producerReservedConcurrency).toBeUndefined();
    expect(asked.producerReservedConcurrency).toBe(10);
  });

  it.each(['0', '-5', '2.5', 'ten', 20_000])('rejects producerReservedConcurrency %j', (value) => {
    // Act
    const act = () => readDeploymentConfig(context({ producerReservedConcurrency: value }));

    // Assess
    expect(act).toThrow(/context "producerReservedConcurrency" must be a whole number from 1 to 10000/);
  });

  it('names one stack per stage so both fit in one account', () => {
    // Assess
    expect(stackName({ stage: 'sandbox', brokerMode: 'ec2', clientHost: true, pollers: 'provisioned', filters: 'mapping' })).toBe(
      'FluxoSandbox',
    );
    expect(stackName({ stage: 'prod', brokerMode: 'ec2', clientHost: false, pollers: 'provisioned', filters: 'mapping' })).toBe('Fluxo');
  });
});

describe('spec validation at synth', () => {
  it('fails the synth with every problem of a bad spec listed', () => {
    // Prepare
    const health = pipeline.topics[0];
    const bad: PipelineSpec = {
      topics: [health],
      consumers: [
        { name: 'ghost', topics: ['nope'], groupBy: { kind: 'constant', key: 'all' }, window: { sizeSeconds: 7 } },
        {
          name: 'chatty',
          topics: ['health'],
          groupBy: { kind: 'constant', key: 'all' },
          window: { sizeSeconds: 60 },
          filters: Array.from({ length: 6 }, (_, i) => ({ value: { peso: [{ numeric: ['>', i] }] } })),
        },
      ],
    };
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    // Act
    const error = catchError(
      () =>
        new FluxoStack(app, 'Bad', {
          spec: bad,
          deployment: { stage: 'sandbox', brokerMode: 'ec2', clientHost: false, pollers: 'provisioned', filters: 'mapping' },
        }),
    );

    // Assess
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems).toEqual(
      expect.arrayContaining([
        'consumer "ghost": reads unknown topic "nope"',
        'consumer "ghost": window.sizeSeconds must be a whole number from 1 to 86400 that divides a day evenly (got 7)',
        'consumer "chatty": has 6 filters; a consumer takes at most 3 (an event source mapping takes 5, and fluxo adds 2 for records written in other forms)',
      ]),
    );
    expect(app.node.tryFindChild('Bad')).toBeUndefined();
  });
});

describe('what the constructs derive from the spec', () => {
  it('uses the spec group id for a one-topic consumer and one group per topic otherwise', () => {
    // Prepare
    const peso = resolveConsumer(pipeline.consumers.find((c) => c.name === 'peso-acima-80')!);
    const ohlc = resolveConsumer(pipeline.consumers.find((c) => c.name === 'ohlc-1m')!);

    // Act & Assess
    expect(peso.mappings).toEqual([{ topic: 'health', groupId: 'fluxo-peso-acima-80' }]);
    expect(ohlc.mappings.map((m) => m.groupId)).toEqual(['fluxo-ohlc-1m.petr4', 'fluxo-ohlc-1m.vale3']);
  });

  it('turns each spec filter and the pass-throughs into one FilterCriteria pattern each, and omits FilterCriteria without filters', () => {
    // Prepare
    const peso = resolveConsumer(pipeline.consumers.find((c) => c.name === 'peso-acima-80')!);
    const hashtags = resolveConsumer(pipeline.consumers.find((c) => c.name === 'hashtags-5m')!);
    const topic = (name: string) => resolveTopic(pipeline.topics.find((t) => t.name === name)!);

    // Act & Assess
    expect(filterCriteria(peso, topic('health'))).toEqual({
      filters: [
        { pattern: '{"value":{"peso":[{"numeric":[">",80]}]}}' },
        { pattern: '{"value":[{"exists":true}]}' },
        { pattern: '{"value":{"peso":[{"exists":false}]}}' },
      ],
    });
    expect(filterCriteria(hashtags, topic('tweets'))).toBeUndefined();
  });

  it("creates as AWS::MSK::Topic only topics that need no Configs: those at the brokers' retention", () => {
    // Prepare
    const byDefault = resolveTopic(pipeline.topics[0]);
    const oneDay = resolveTopic({ ...pipeline.topics[0], retentionHours: 24 });

    // Act & Assess
    expect(byDefault.retentionHours).toBe(BROKER_RETENTION_HOURS);
    expect(hasBrokerDefaultConfigs(byDefault)).toBe(true);
    expect(hasBrokerDefaultConfigs(oneDay)).toBe(false);
  });

  it('describes a topic to the topic admin, leaving the replication factor to the broker when unknown', () => {
    // Prepare
    const tweets = resolveTopic(pipeline.topics.find((t) => t.name === 'tweets')!);

    // Act & Assess
    expect(topicResourceProperties(tweets, 1)).toEqual({ Name: 'tweets', Partitions: 2, RetentionHours: 168, ReplicationFactor: 1 });
    expect(topicResourceProperties(tweets)).toEqual({ Name: 'tweets', Partitions: 2, RetentionHours: 168 });
  });

  it('lists the path parameters API Gateway must require', () => {
    // Act & Assess
    expect(pathParameters('/topics/{topic}/records')).toEqual(['topic']);
    expect(pathParameters('/topics')).toEqual([]);
  });
});
