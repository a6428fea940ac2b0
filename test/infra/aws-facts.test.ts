/**
 * What fluxo assumes about AWS, in one file. Each `describe` is one documented fact, named with
 * the title and address of the AWS page it comes from (quoted where the wording matters), and
 * checks it against the synthesized templates of every broker mode and against the handlers.
 * Nobody here can deploy: these pages are the whole of fluxo's evidence that `cdk deploy` works.
 * A fact AWS's documentation does not settle is marked UNVERIFIED, with the choice that avoids it.
 */
// First: the consumer handler module reads its environment when imported (batchResponse is pure).
import '../unit/consumer/handler-env';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { batchResponse } from '../../lambdas/consumer/index';
import { FUNCTIONS, LAMBDA_RUNTIME } from '../../core/deployment';
import { KAFKA_FILTER_FIELDS } from '../../core/filter';
import { IAM_RETRY, kafkaConfig } from '../../lambdas/clients/kafka';
import { decodeMskEvent, encodeMskEvent, kafkaRecordFrom } from '../../core/msk-event';
import { firstFailedOffset } from '../../local/emulation/esm/delivery';
import type { BrokerMode } from '../../lib/config';
import { loadEvent } from '../unit/core/load-event';
import { propertiesOf, synthesize } from './synth';

const MODES: readonly BrokerMode[] = ['provisioned', 'serverless', 'ec2'];
const templates = new Map<BrokerMode, Template>(MODES.map((mode) => [mode, synthesize(mode).template]));
const onDemand = synthesize('ec2', { pollers: 'on-demand', producerReservedConcurrency: 7 }).template;

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
const resourcesOf = (template: Template, type: string): Resource[] => Object.values(template.findResources(type)) as Resource[];
const mappingsOf = (template: Template) => propertiesOf(template, 'AWS::Lambda::EventSourceMapping');
/** fluxo's own functions (descriptions start with "fluxo"), not the ones aws-cdk-lib adds. */
const fluxoFunctions = (template: Template): Array<Record<string, unknown>> =>
  propertiesOf(template, 'AWS::Lambda::Function').filter((p) => typeof p.Description === 'string' && p.Description.startsWith('fluxo'));

describe.each(MODES)('in broker mode %s', (mode) => {
  const template = templates.get(mode) as Template;

  describe('"Lambda runtimes" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html): nodejs24.x is a managed runtime identifier', () => {
    it('runs every fluxo function on it, on arm64', () => {
      // Act
      const functions = fluxoFunctions(template);

      // Assess
      expect(LAMBDA_RUNTIME).toBe('nodejs24.x');
      expect(functions.length).toBeGreaterThanOrEqual(3);
      for (const fn of functions) expect(fn).toMatchObject({ Runtime: LAMBDA_RUNTIME, Architectures: ['arm64'] });
    });
  });

  describe('"Configuring reserved concurrency for a function" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): "You can reserve up to the Unreserved account concurrency value that is shown, minus 100"; "Lambda quotas" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): "New AWS accounts have reduced concurrency and memory quotas"', () => {
    it('reserves no concurrency by default, so a new account can deploy', () => {
      // Assess
      for (const fn of resourcesOf(template, 'AWS::Lambda::Function')) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    });
  });

  describe('"Filtering events from Amazon MSK and self-managed Apache Kafka event sources" (https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html): a Kafka record is filtered on its `value` only', () => {
    it('gives every mapping filter patterns on `value` alone', () => {
      // Act
      const patterns = mappingsOf(template).flatMap((m) =>
        ((m.FilterCriteria as { Filters?: Array<{ Pattern: string }> } | undefined)?.Filters ?? []).map(
          (f) => JSON.parse(f.Pattern) as object,
        ),
      );

      // Assess
      expect(KAFKA_FILTER_FIELDS).toEqual(['value']);
      expect(patterns.length).toBeGreaterThan(0);
      for (const pattern of patterns) expect(Object.keys(pattern)).toEqual(['value']);
    });
  });

  describe('"Control which events Lambda sends to your function" (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html): "By default, you can define up to five different filters for a single event source mapping"; "Your filters are logically ORed together"; "Filter" API reference (https://docs.aws.amazon.com/lambda/latest/api/API_Filter.html): Pattern "Maximum length of 4096"', () => {
    it("keeps every mapping within five patterns of at most 4,096 characters, the consumer's filters first, then the pass-throughs", () => {
      // Assess
      for (const mapping of mappingsOf(template)) {
        const filters = (mapping.FilterCriteria as { Filters?: Array<{ Pattern: string }> } | undefined)?.Filters ?? [];
        expect(filters.length).toBeLessThanOrEqual(5);
        for (const filter of filters) expect(filter.Pattern.length).toBeLessThanOrEqual(4096);
        if (filters.length > 0) expect(filters.map((f) => f.Pattern)).toContain('{"value":[{"exists":true}]}');
      }
    });
  });

  describe('"All Amazon MSK event source configuration parameters in Lambda" (https://docs.aws.amazon.com/lambda/latest/dg/msk-esm-parameters.html): BatchSize "Maximum: 10,000"', () => {
    it("keeps every mapping's batch within it", () => {
      // Assess
      for (const mapping of mappingsOf(template)) expect(mapping.BatchSize as number).toBeLessThanOrEqual(10_000);
    });
  });

  describe('"Capturing discarded batches for Amazon MSK and self-managed Apache Kafka event sources" (https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html): "You can configure any Amazon SNS topic, Amazon SQS queue, Amazon S3 bucket, or Kafka as a destination"; "You must deploy a VPC endpoint for your on-failure destination service inside your Kafka cluster VPC"; "Types of metrics for Lambda functions" (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html): "an unsupported type such as an Amazon SQS FIFO queue"', () => {
    it('sends discarded batches to a standard SQS queue, reached through an SQS endpoint in the VPC', () => {
      // Prepare
      const queueId = new Capture();

      // Act
      template.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
      const queue = template.toJSON().Resources[queueId.asString()] as Resource;
      const endpoints = resourcesOf(template, 'AWS::EC2::VPCEndpoint').map((e) => JSON.stringify(e.Properties.ServiceName));

      // Assess
      expect(queue.Type).toBe('AWS::SQS::Queue');
      expect(queue.Properties.FifoQueue).toBeUndefined();
      expect(endpoints.some((name) => name.includes('.sqs'))).toBe(true);
    });
  });

  describe('"Apache Kafka event poller scaling modes in Lambda" (https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html): retries, record age, batch splitting and partial batch responses are configured "For Kafka event source mappings with provisioned mode enabled"; MinimumPollers 1 to 200, MaximumPollers 1 to 2,000; "You can group up to 100 ESMs per poller group and aggregate maximum pollers across all ESMs in a group cannot exceed 2000"', () => {
    it('sets the error handling controls only on mappings with provisioned pollers, within the documented bounds', () => {
      // Act
      const mappings = mappingsOf(template);
      const groups = new Map<string, number[]>();
      for (const m of mappings) {
        const config = m.ProvisionedPollerConfig as { MinimumPollers: number; MaximumPollers: number; PollerGroupName: string } | undefined;
        if (config !== undefined)
          groups.set(config.PollerGroupName, [...(groups.get(config.PollerGroupName) ?? []), config.MaximumPollers]);
      }

      // Assess
      for (const m of mappings) {
        const controls = [
          'MaximumRetryAttempts',
          'MaximumRecordAgeInSeconds',
          'BisectBatchOnFunctionError',
          'FunctionResponseTypes',
        ].filter((key) => m[key] !== undefined);
        if (controls.length > 0)
          expect(m.ProvisionedPollerConfig).toMatchObject({ MinimumPollers: expect.any(Number), MaximumPollers: expect.any(Number) });
        const config = m.ProvisionedPollerConfig as { MinimumPollers: number; MaximumPollers: number } | undefined;
        if (config !== undefined) {
          expect(config.MinimumPollers).toBeGreaterThanOrEqual(1);
          expect(config.MinimumPollers).toBeLessThanOrEqual(200);
          expect(config.MaximumPollers).toBeGreaterThanOrEqual(config.MinimumPollers);
          expect(config.MaximumPollers).toBeLessThanOrEqual(2000);
        }
      }
      for (const maxima of groups.values()) {
        expect(maxima.length).toBeLessThanOrEqual(100);
        expect(maxima.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(2000);
      }
    });
  });

  describe('"Types of metrics for Lambda functions", event source mapping metrics (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html): "You must opt-in the metric group", EventCount gives FilteredOutEventCount; "Viewing metrics for Lambda functions" (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html): dimension `EventSourceMappingUUID`', () => {
    it('opts every mapping in to EventCount and charts FilteredOutEventCount by mapping UUID', () => {
      // Prepare
      const [dashboard] = resourcesOf(template, 'AWS::CloudWatch::Dashboard');

      // Act
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);

      // Assess
      for (const mapping of mappingsOf(template)) expect(mapping.MetricsConfig).toEqual({ Metrics: ['EventCount'] });
      expect(body).toContain('\\"AWS/Lambda\\",\\"FilteredOutEventCount\\",\\"EventSourceMappingUUID\\"');
    });
  });

  describe('"AWS::ApiGateway::Account" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html): the role API Gateway logs through is one per account and Region; "To avoid overwriting other roles, you should only have one AWS::ApiGateway::Account resource per region per account"', () => {
    it('keeps that role and setting when the stack is destroyed, so other APIs keep logging', () => {
      // Prepare
      const roleId = new Capture();

      // Act
      template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
      const role = template.toJSON().Resources[roleId.asString()] as Resource;

      // Assess
      template.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(role).toMatchObject({ Type: 'AWS::IAM::Role', DeletionPolicy: 'Retain' });
    });
  });

  describe('"Amazon API Gateway integration timeout limit increase beyond 29 seconds" (https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/): 29 s unless raised by a quota request', () => {
    it('gives the functions behind the API no more than 29 s', () => {
      // Assess
      for (const name of ['producer', 'results'] as const) expect(FUNCTIONS[name].timeoutSeconds).toBeLessThanOrEqual(29);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^fluxo ingest'),
        Timeout: FUNCTIONS.producer.timeoutSeconds,
      });
    });
  });
});

describe('"Configuring reserved concurrency for a function" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), opted in', () => {
  it('reserves concurrency for the producer alone, and only when asked (-c producerReservedConcurrency=N needs an account quota of N + 100)', () => {
    // Act
    const reserved = fluxoFunctions(onDemand).filter((fn) => fn.ReservedConcurrentExecutions !== undefined);

    // Assess
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ Description: expect.stringMatching(/^fluxo ingest/), ReservedConcurrentExecutions: 7 });
  });
});

describe('"Apache Kafka event poller scaling modes in Lambda" (https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html), on-demand mode (-c pollers=on-demand)', () => {
  it('sets none of the controls that need provisioned mode, and makes the consumer fail whole batches', () => {
    // Act
    const mappings = mappingsOf(onDemand);

    // Assess
    for (const m of mappings) {
      expect(m.ProvisionedPollerConfig).toBeUndefined();
      expect(m.FunctionResponseTypes).toBeUndefined();
      expect(m.MaximumRetryAttempts).toBeUndefined();
      expect(m.BisectBatchOnFunctionError).toBeUndefined();
    }
    onDemand.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^fluxo consumer '),
      Environment: { Variables: Match.objectLike({ REPORT_BATCH_ITEM_FAILURES: 'false' }) },
    });
  });
});

describe('"Amazon MSK quota" (https://docs.aws.amazon.com/msk/latest/developerguide/limits.html): maximum TCP connection rate per broker with IAM access control, 4 per second on T3 brokers', () => {
  it('runs t3 brokers, so IAM clients spread their reconnects over seconds', () => {
    // Act
    const config = kafkaConfig({ brokers: ['b-1:9098'], auth: 'iam', region: 'us-east-1' });

    // Assess
    templates
      .get('provisioned')
      ?.hasResourceProperties('AWS::MSK::Cluster', { BrokerNodeGroupInfo: Match.objectLike({ InstanceType: 'kafka.t3.small' }) });
    expect(config.retry).toEqual(IAM_RETRY);
    expect(IAM_RETRY.initialRetryTime).toBeGreaterThanOrEqual(250);
  });
});

describe('"KRaft mode" (https://docs.aws.amazon.com/msk/latest/developerguide/kraft-intro.html), "Amazon MSK broker sizes" (https://docs.aws.amazon.com/msk/latest/developerguide/broker-instance-sizes.html), "Custom Amazon MSK configurations" (https://docs.aws.amazon.com/msk/latest/developerguide/msk-configuration-properties.html): UNVERIFIED that MSK offers KRaft on t3 brokers; ZooKeeper mode on T3.small is documented ("We recommend that you set this value to 10,000 on T3.small")', () => {
  it('runs Kafka 3.9.x in ZooKeeper mode on kafka.t3.small, with the advised ZooKeeper timeout', () => {
    // Prepare
    const template = templates.get('provisioned') as Template;

    // Act
    const [configuration] = resourcesOf(template, 'AWS::MSK::Configuration');

    // Assess
    template.hasResourceProperties('AWS::MSK::Cluster', {
      KafkaVersion: '3.9.x',
      BrokerNodeGroupInfo: Match.objectLike({ InstanceType: 'kafka.t3.small' }),
    });
    expect(String(configuration?.Properties.ServerProperties).split('\n')).toContain('zookeeper.connection.timeout.ms=10000');
  });
});

describe('"AWS::MSK::Topic" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-msk-topic.html): Configs is "Topic configurations encoded as a Base64 string", format UNVERIFIED ("Describe a topic using the AWS CLI", https://docs.aws.amazon.com/msk/latest/developerguide/describe-topic-cli.html, shows key=value lines; Terraform sends JSON); "Custom Amazon MSK configurations": `log.retention.ms` is a broker property', () => {
  it('never sends Configs, and sets the retention on the brokers instead', () => {
    // Prepare
    const template = templates.get('provisioned') as Template;

    // Act
    const topics = resourcesOf(template, 'AWS::MSK::Topic');
    const [configuration] = resourcesOf(template, 'AWS::MSK::Configuration');

    // Assess
    expect(topics.length).toBeGreaterThan(0);
    for (const topic of topics) expect(topic.Properties.Configs).toBeUndefined();
    expect(String(configuration?.Properties.ServerProperties).split('\n')).toContain('log.retention.ms=604800000');
  });
});

describe('"Using Lambda with Amazon MSK", example event (https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html): `eventSource` "aws:kafka", `records` keyed "topic-partition", base64 `key` and `value`, headers as byte arrays', () => {
  it('decodes the documented event and encodes one of the same shape (what the local emulator delivers)', () => {
    // Prepare
    const documented = loadEvent('msk-event.json') as {
      eventSourceArn: string;
      bootstrapServers: string;
      records: Record<string, Array<Record<string, unknown>>>;
    };

    // Act
    const records = decodeMskEvent(documented);
    const encoded = encodeMskEvent(records, {
      kind: 'msk',
      eventSourceArn: documented.eventSourceArn,
      bootstrapServers: documented.bootstrapServers,
    });
    const shape = (event: object) => ({
      keys: Object.keys(event).sort(),
      groups: Object.keys((event as { records: object }).records),
      record: Object.keys(Object.values((event as { records: Record<string, object[]> }).records)[0]?.[0] ?? {}).sort(),
    });

    // Assess
    expect(records[0]).toMatchObject({ topic: 'mytopic', partition: 0, offset: 15 });
    expect(shape(encoded)).toEqual(shape(documented));
    expect(encoded.records['mytopic-0']?.[0]?.headers).toEqual(documented.records['mytopic-0']?.[0]?.headers);
  });
});

describe('"Configuring error handling controls for Kafka event sources", partial batch responses (https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html): `{"itemIdentifier": {"partition": "topic-partition_number", "offset": 100}}`; with an invalid identifier Lambda retries the entire batch', () => {
  it('answers the documented identifier: the "topic-partition" string under `partition`, and the offset', () => {
    // Act
    const response = batchResponse([{ topicPartition: 'health-0', offset: 41 }]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'health-0', offset: 41 } }] });
  });

  it('is what the local emulator reads; any other identifier fails the whole batch there, as on AWS', () => {
    // Prepare
    const records = [kafkaRecordFrom({ topic: 'health', partition: 0, offset: 41, timestamp: 0, key: null, value: Buffer.from('{}') })];

    // Act & Assess
    expect(firstFailedOffset(batchResponse([{ topicPartition: 'health-0', offset: 41 }]), records)).toBe(41);
    expect(firstFailedOffset({ batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'health-0', offset: 41 } }] }, records)).toBe(
      'invalid',
    );
  });
});
