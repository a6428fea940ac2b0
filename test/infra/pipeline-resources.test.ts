import { Capture, Match } from 'aws-cdk-lib/assertions';
import { pipeline } from '../../pipeline';
import { ROUTES } from '../../core/api/routes';
import { nagFindings, propertiesOf, synthesize, type Synthesized, text } from './synth';

// The resources every broker mode shares, synthesized for the prod stage without a client host.
let synth: Synthesized;
beforeAll(() => {
  synth = synthesize('ec2', { stage: 'prod', clientHost: false });
});

describe('tables', () => {
  it('keeps results on demand with PITR, encryption, TTL and the byWindow index', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byWindow',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('keeps ingest idempotency records in the Powertools layout with PITR and encryption', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it.each([
    ['retains the tables in the prod stage', () => synth, 'Retain'],
    ['destroys the tables with the sandbox stage', () => synthesize('ec2', { clientHost: false }), 'Delete'],
  ])('%s', (_, stage, policy) => {
    // Act
    const { template } = stage();

    // Assess
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table')) as Array<{ DeletionPolicy: string }>;
    expect(tables.map((t) => t.DeletionPolicy)).toEqual([policy, policy]);
  });
});

describe('dead letters', () => {
  it('sends exhausted batches to one encrypted SQS queue that refuses plain HTTP', () => {
    // Assess
    synth.template.resourceCountIs('AWS::SQS::Queue', 1);
    synth.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('reaches the dead-letter queue through an SQS endpoint open to the pollers only', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: Match.stringLikeRegexp('\\.sqs$'),
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
    synth.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      Description: Match.stringLikeRegexp('on-failure destination'),
      SourceSecurityGroupId: Match.anyValue(),
    });
  });
});

describe('ingest and results API', () => {
  it.each(ROUTES.map((r) => [r.method, r.resource]))('serves %s %s behind the API key', (method, resource) => {
    // Act
    const methods = propertiesOf<{ ApiKeyRequired: boolean; RequestParameters?: Record<string, boolean> }>(
      synth.template,
      'AWS::ApiGateway::Method',
      { HttpMethod: method },
    );
    const params = [...resource.matchAll(/\{([^}]+)\}/g)].map((m) => `method.request.path.${m[1]}`);

    // Assess
    expect(methods.length).toBeGreaterThan(0);
    expect(methods.every((m) => m.ApiKeyRequired)).toBe(true);
    expect(methods.some((m) => params.every((p) => m.RequestParameters?.[p] === true))).toBe(true);
  });

  it('builds every resource path of the route table, /results/{consumer}/trending included', () => {
    // Prepare
    const resources = synth.template.findResources('AWS::ApiGateway::Resource') as Record<
      string,
      { Properties: { PathPart: string; ParentId: { Ref?: string; 'Fn::GetAtt'?: [string, string] } } }
    >;
    const pathOf = (id: string): string => {
      const { PathPart, ParentId } = resources[id].Properties;
      const parent = ParentId.Ref ?? '';
      return `${resources[parent] === undefined ? '' : pathOf(parent)}/${PathPart}`;
    };

    // Act
    const paths = Object.keys(resources).map(pathOf);

    // Assess
    expect(paths).toEqual(expect.arrayContaining(ROUTES.map((r) => r.resource)));
    expect(paths).toContain('/results/{consumer}/trending');
  });

  it('throttles with a usage plan and a daily quota', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 100_000, Period: 'DAY' },
    });
    synth.template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  it('logs access as JSON, traces, and throttles the stage by default', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'ERROR',
        }),
      ]),
    });
  });

  it('keeps the account-wide API Gateway CloudWatch role when a sandbox is destroyed', () => {
    // Prepare: the role the account-level setting points at is shared by every REST API of the account
    const { template } = synthesize('ec2', { stage: 'sandbox', clientHost: false });
    const roleRef = new Capture();

    // Act
    const [account] = Object.values(template.findResources('AWS::ApiGateway::Account')) as Array<{
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
    }>;
    template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: { 'Fn::GetAtt': [roleRef, 'Arn'] } });
    const role = template.toJSON().Resources[roleRef.asString()] as { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string };

    // Assess: the sandbox stage destroys its data, never the account's logging role
    expect(account).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(role).toMatchObject({ Type: 'AWS::IAM::Role', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it.each([
    ['throttling', 'THROTTLED', '429', 42901],
    ['a missing or wrong API key', 'INVALID_API_KEY', '403', 40301],
  ])('answers %s in fluxo error shape', (_, responseType, status, code) => {
    // Assess
    synth.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: responseType,
      StatusCode: status,
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`"error_code":${code}`) },
    });
  });

  it('gives the results Lambda read-only access and no VPC', () => {
    // Act
    const functions = propertiesOf<{ VpcConfig?: unknown; Environment: { Variables: Record<string, unknown> } }>(
      synth.template,
      'AWS::Lambda::Function',
      { Description: Match.stringLikeRegexp('^fluxo results') },
    );

    // Assess
    expect(functions).toHaveLength(1);
    expect(functions[0].VpcConfig).toBeUndefined();
    expect(Object.keys(functions[0].Environment.Variables)).toEqual(expect.arrayContaining(['RESULTS_TABLE']));
  });
});

describe('consumers', () => {
  it.each(pipeline.consumers.map((c) => [c.name]))('runs consumer %s in its own Lambda told its name', (name) => {
    // Assess
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp(`^fluxo consumer ${name}:`),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ CONSUMER_NAME: name, RESULTS_TABLE: Match.anyValue() }) },
    });
  });
});

describe('poller modes', () => {
  const consumerEnv = (template: ReturnType<typeof synthesize>['template']) =>
    propertiesOf<{ Environment: { Variables: Record<string, string> } }>(template, 'AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^fluxo consumer '),
    }).map((f) => f.Environment.Variables);

  it('runs provisioned pollers with every error handling control by default, and tells the consumer it may answer partial batches', () => {
    // Act
    const mappings = propertiesOf(synth.template, 'AWS::Lambda::EventSourceMapping');

    // Assess
    for (const p of mappings) {
      expect(Object.keys(p)).toEqual(
        expect.arrayContaining([
          'ProvisionedPollerConfig',
          'MaximumRetryAttempts',
          'MaximumRecordAgeInSeconds',
          'BisectBatchOnFunctionError',
          'FunctionResponseTypes',
          'DestinationConfig',
        ]),
      );
    }
    expect(consumerEnv(synth.template).every((env) => env.REPORT_BATCH_ITEM_FAILURES === 'true')).toBe(true);
  });

  it('runs on-demand pollers with -c pollers=on-demand: no control that needs provisioned mode, and the consumer fails batches whole', () => {
    // Act
    const { stack, template } = synthesize('ec2', { pollers: 'on-demand' });
    const mappings = propertiesOf(template, 'AWS::Lambda::EventSourceMapping');

    // Assess
    expect(mappings.length).toBeGreaterThan(0);
    for (const p of mappings) {
      for (const key of [
        'ProvisionedPollerConfig',
        'MaximumRetryAttempts',
        'MaximumRecordAgeInSeconds',
        'BisectBatchOnFunctionError',
        'FunctionResponseTypes',
      ])
        expect(p[key]).toBeUndefined();
      expect(p.DestinationConfig).toBeDefined();
      expect(p.FilterCriteria ?? p.Topics).toBeDefined();
    }
    expect(consumerEnv(template).every((env) => env.REPORT_BATCH_ITEM_FAILURES === 'false')).toBe(true);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('where filters apply (-c filters=)', () => {
  it('pushes the filters and their pass-throughs into the mappings by default, and leaves every mapping without FilterCriteria with -c filters=consumer', () => {
    // Act
    const filtered = propertiesOf(synth.template, 'AWS::Lambda::EventSourceMapping');
    const { stack, template } = synthesize('ec2', { filters: 'consumer' });
    const unfiltered = propertiesOf(template, 'AWS::Lambda::EventSourceMapping');

    // Assess: the spec's consumers with filters (peso-acima-80, imc-acima-35) have them only by default
    expect(filtered.filter((m) => m.FilterCriteria !== undefined)).toHaveLength(
      pipeline.consumers.filter((c) => (c.filters ?? []).length > 0).length,
    );
    expect(unfiltered).toHaveLength(filtered.length);
    expect(unfiltered.every((m) => m.FilterCriteria === undefined)).toBe(true);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('observability', () => {
  it.each(pipeline.consumers.map((c) => [c.name]))('alarms when consumer %s falls behind', (name) => {
    // Assess
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OffsetLag',
      Namespace: 'AWS/Lambda',
      AlarmDescription: Match.stringLikeRegexp(`^Consumer ${name} `),
      Threshold: 1000,
    });
  });

  it('alarms on the first dead-lettered batch', () => {
    // Assess
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('draws ingest, lag, dead letters and DynamoDB throttles on one dashboard', () => {
    // Act
    const body = text(
      (Object.values(synth.template.findResources('AWS::CloudWatch::Dashboard'))[0] as { Properties: { DashboardBody: unknown } })
        .Properties.DashboardBody,
    );

    // Assess
    for (const title of ['Ingest: requests and errors', 'OffsetLag', 'Dead-letter queue depth', 'DynamoDB throttle events']) {
      expect(body).toContain(title);
    }
  });
});

describe('stage outputs', () => {
  it('omits the client host when the context turns it off', () => {
    // Assess
    expect(Object.keys(synth.template.findOutputs('*'))).not.toContain('ClientHostId');
    synth.template.resourceCountIs('AWS::EC2::Instance', 1); // hdpmaster only
  });
});
