/**
 * Security of the AWS stack, per broker mode: Kafka only for IAM-authenticated TLS clients on
 * MSK, brokers and hosts in private subnets, no ingress from anywhere, an API key on every
 * method, throttling, encryption at rest, log retention, and every cdk-nag and checkov finding
 * either absent or accepted next to its resource with a reason.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { BrokerMode, DeploymentConfig } from '../../lib/config';
import { ROUTES } from '../../core/api/routes';
import { nagFindings, synthesize, type Synthesized } from './synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;

/** The stacks checked: every broker mode in the sandbox stage, and the prod stage (no client host, data retained). */
const STACKS: ReadonlyArray<{ readonly label: string; readonly mode: BrokerMode; readonly overrides?: Partial<DeploymentConfig> }> = [
  { label: 'provisioned', mode: 'provisioned' },
  { label: 'serverless', mode: 'serverless' },
  { label: 'ec2', mode: 'ec2' },
  { label: 'provisioned prod', mode: 'provisioned', overrides: { stage: 'prod', clientHost: false } },
];
const synthesized = new Map<string, Synthesized>();

function stackOf(label: string): Synthesized {
  let entry = synthesized.get(label);
  if (entry === undefined) {
    const { mode, overrides } = STACKS.find((s) => s.label === label)!;
    entry = synthesize(mode, overrides);
    synthesized.set(label, entry);
  }
  return entry;
}

function resourcesOf(template: Template, type?: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => type === undefined || r.Type === type));
}

const props = (resource: { Properties?: Record<string, unknown> }): Record<string, unknown> => resource.Properties ?? {};

/** The logical id a `{Ref}` or `{Fn::GetAtt}` points at. */
function target(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
}

/** Logical ids of the subnets CDK made private (tag `aws-cdk:subnet-type` = Private). */
function privateSubnets(template: Template): Set<string> {
  return new Set(
    Object.entries(resourcesOf(template, 'AWS::EC2::Subnet'))
      .filter(([, s]) =>
        ((props(s).Tags ?? []) as Array<{ Key: string; Value: string }>).some(
          (t) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Private',
        ),
      )
      .map(([id]) => id),
  );
}

/** Every ingress rule: inline on a security group or a separate resource. */
function ingressRules(template: Template): Array<Record<string, unknown> & { where: string }> {
  const inline = Object.entries(resourcesOf(template, 'AWS::EC2::SecurityGroup')).flatMap(([id, sg]) =>
    ((props(sg).SecurityGroupIngress ?? []) as Record<string, unknown>[]).map((rule) => ({ ...rule, where: id })),
  );
  const separate = Object.entries(resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')).map(([id, r]) => ({ ...props(r), where: id }));
  return [...inline, ...separate];
}

/** The security group the Kafka brokers use. */
function brokerSecurityGroup(template: Template, mode: BrokerMode): string | undefined {
  if (mode === 'provisioned') {
    const [cluster] = Object.values(resourcesOf(template, 'AWS::MSK::Cluster'));
    return target((props(cluster).BrokerNodeGroupInfo as { SecurityGroups: unknown[] }).SecurityGroups[0]);
  }
  if (mode === 'serverless') {
    const [cluster] = Object.values(resourcesOf(template, 'AWS::MSK::ServerlessCluster'));
    return target((props(cluster).VpcConfigs as Array<{ SecurityGroups: unknown[] }>)[0].SecurityGroups[0]);
  }
  const broker = Object.entries(resourcesOf(template, 'AWS::EC2::Instance')).find(([id]) => id.includes('Hdpmaster'));
  return target((props(broker![1]).SecurityGroupIds as unknown[])[0]);
}

function lambdaEnvironments(template: Template): Array<Record<string, unknown>> {
  return Object.values(resourcesOf(template, 'AWS::Lambda::Function')).map(
    (fn) => (props(fn).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
  );
}

describe.each(STACKS)('security of the $label stack', ({ label, mode }) => {
  it(
    mode === 'ec2'
      ? 'reaches the self-managed broker only inside the VPC, from named security groups'
      : 'admits only IAM-authenticated TLS clients to MSK',
    () => {
      // Prepare
      const { template } = stackOf(label);
      const brokerSg = brokerSecurityGroup(template, mode);

      // Act
      const kafkaIngress = ingressRules(template).filter((rule) => target(rule.GroupId) === brokerSg || rule.where === brokerSg);
      const clients = lambdaEnvironments(template).filter((env) => env.KAFKA_BROKERS !== undefined);

      // Assess
      expect(kafkaIngress.length).toBeGreaterThan(0);
      expect(
        kafkaIngress.every((rule) => rule.SourceSecurityGroupId !== undefined && rule.CidrIp === undefined && rule.CidrIpv6 === undefined),
      ).toBe(true);
      expect(clients.length).toBeGreaterThan(0);
      if (mode === 'ec2') {
        expect(new Set(kafkaIngress.map((rule) => rule.FromPort))).toEqual(new Set([9092]));
        expect(clients.every((env) => env.KAFKA_AUTH === 'none')).toBe(true);
        return;
      }
      // 9098 is MSK's IAM (SASL over TLS) listener; 9092 plaintext, 9094 mutual TLS and 9096 SCRAM stay closed.
      expect(new Set(kafkaIngress.flatMap((rule) => [rule.FromPort, rule.ToPort]))).toEqual(new Set([9098]));
      expect(clients.every((env) => env.KAFKA_AUTH === 'iam')).toBe(true);
      if (mode === 'provisioned') {
        template.hasResourceProperties('AWS::MSK::Cluster', {
          ClientAuthentication: Match.objectEquals({ Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } }),
          EncryptionInfo: Match.objectLike({ EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } }),
        });
      } else {
        // MSK Serverless has no plaintext listener at all: IAM over TLS is its only access.
        template.hasResourceProperties('AWS::MSK::ServerlessCluster', {
          ClientAuthentication: Match.objectEquals({ Sasl: { Iam: { Enabled: true } } }),
        });
      }
      const credentials = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).flatMap((m) =>
        ((props(m).SourceAccessConfigurations ?? []) as Array<{ Type: string }>).map((c) => c.Type),
      );
      expect(credentials.filter((type) => !type.startsWith('VPC_'))).toEqual([]);
    },
  );

  it('keeps brokers, hosts and VPC functions in private subnets without public addresses', () => {
    // Prepare
    const { template } = stackOf(label);
    const privates = privateSubnets(template);

    // Act
    const placed: Array<[string, string | undefined]> = [];
    for (const [id, cluster] of Object.entries(resourcesOf(template, 'AWS::MSK::Cluster'))) {
      for (const subnet of (props(cluster).BrokerNodeGroupInfo as { ClientSubnets: unknown[] }).ClientSubnets)
        placed.push([id, target(subnet)]);
    }
    for (const [id, cluster] of Object.entries(resourcesOf(template, 'AWS::MSK::ServerlessCluster'))) {
      for (const config of props(cluster).VpcConfigs as Array<{ SubnetIds: unknown[] }>)
        for (const subnet of config.SubnetIds) placed.push([id, target(subnet)]);
    }
    const instances = Object.entries(resourcesOf(template, 'AWS::EC2::Instance'));
    for (const [id, instance] of instances) placed.push([id, target(props(instance).SubnetId)]);
    for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
      for (const subnet of (props(fn).VpcConfig as { SubnetIds?: unknown[] } | undefined)?.SubnetIds ?? [])
        placed.push([id, target(subnet)]);
    }

    // Assess
    expect(privates.size).toBe(2);
    expect(placed.length).toBeGreaterThan(0);
    expect(placed.filter(([, subnet]) => subnet === undefined || !privates.has(subnet))).toEqual([]);
    for (const id of privates) expect(props(resourcesOf(template, 'AWS::EC2::Subnet')[id]).MapPublicIpOnLaunch).toBe(false);
    expect(
      instances.filter(([, i]) =>
        ((props(i).NetworkInterfaces ?? []) as Array<{ AssociatePublicIpAddress?: boolean }>).some(
          (n) => n.AssociatePublicIpAddress === true,
        ),
      ),
    ).toEqual([]);
    // A private subnet reaches the internet only through the NAT gateway, never an internet gateway.
    const privateTables = new Set(
      Object.values(resourcesOf(template, 'AWS::EC2::SubnetRouteTableAssociation'))
        .filter((a) => privates.has(target(props(a).SubnetId) ?? ''))
        .map((a) => target(props(a).RouteTableId)),
    );
    const privateRoutes = Object.values(resourcesOf(template, 'AWS::EC2::Route')).filter((r) =>
      privateTables.has(target(props(r).RouteTableId)),
    );
    expect(privateRoutes.length).toBe(privates.size);
    expect(privateRoutes.every((r) => props(r).NatGatewayId !== undefined && props(r).GatewayId === undefined)).toBe(true);
  });

  it('admits no traffic from 0.0.0.0/0 or ::/0 anywhere: every ingress names a source security group', () => {
    // Prepare
    const { template } = stackOf(label);

    // Act
    const rules = ingressRules(template);
    const openAcls = Object.values(resourcesOf(template, 'AWS::EC2::NetworkAclEntry')).filter(
      (e) =>
        props(e).Egress !== true &&
        props(e).RuleAction === 'allow' &&
        (props(e).CidrBlock === '0.0.0.0/0' || props(e).Ipv6CidrBlock === '::/0'),
    );

    // Assess
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((rule) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0')).toEqual([]);
    expect(rules.filter((rule) => rule.SourceSecurityGroupId === undefined).map((rule) => rule.where)).toEqual([]);
    expect(openAcls).toEqual([]);
  });

  it('requires the API key on every method of every route', () => {
    // Prepare
    const { template } = stackOf(label);

    // Act
    const methods = Object.values(resourcesOf(template, 'AWS::ApiGateway::Method')).map(props);

    // Assess
    expect(methods).toHaveLength(ROUTES.length);
    expect(methods.filter((m) => m.ApiKeyRequired !== true).map((m) => m.HttpMethod)).toEqual([]);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: Match.absent() });
  });

  it('throttles every key with a usage plan and quota, and the whole stage by default', () => {
    // Prepare
    const { template } = stackOf(label);

    // Act
    const [plan] = Object.values(resourcesOf(template, 'AWS::ApiGateway::UsagePlan')).map(props);
    const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGateway::Stage')).map(props);

    // Assess
    expect(plan.Throttle).toEqual({ RateLimit: expect.any(Number), BurstLimit: expect.any(Number) });
    expect(plan.Quota).toEqual({ Limit: expect.any(Number), Period: 'DAY' });
    expect((plan.ApiStages as unknown[]).length).toBe(1);
    expect(stage.MethodSettings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: expect.any(Number),
          ThrottlingBurstLimit: expect.any(Number),
        }),
      ]),
    );
  });

  it('encrypts data at rest everywhere: tables, the dead-letter queue, EBS volumes, and refuses plain HTTP to the queue', () => {
    // Prepare
    const { template } = stackOf(label);

    // Act
    const tables = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table')).map(props);
    const queues = Object.values(resourcesOf(template, 'AWS::SQS::Queue')).map(props);
    const disks = Object.values(resourcesOf(template, 'AWS::EC2::Instance')).flatMap(
      (i) => (props(i).BlockDeviceMappings ?? []) as Array<{ Ebs?: { Encrypted?: boolean } }>,
    );
    const volumes = Object.values(resourcesOf(template, 'AWS::EC2::Volume')).map(props);

    // Assess
    expect(tables).toHaveLength(2);
    expect(tables.every((t) => (t.SSESpecification as { SSEEnabled?: boolean } | undefined)?.SSEEnabled === true)).toBe(true);
    expect(queues.length).toBeGreaterThan(0);
    expect(queues.every((q) => q.SqsManagedSseEnabled === true || q.KmsMasterKeyId !== undefined)).toBe(true);
    expect(disks.length).toBeGreaterThanOrEqual(Object.keys(resourcesOf(template, 'AWS::EC2::Instance')).length);
    expect(disks.every((d) => d.Ebs?.Encrypted === true)).toBe(true);
    expect(volumes.every((v) => v.Encrypted === true)).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('gives every function a log group of its own and every log group a retention; logs are KMS-encrypted or skipped with a reason', () => {
    // Prepare
    const { template } = stackOf(label);
    const groups = resourcesOf(template, 'AWS::Logs::LogGroup');

    // Act
    const namedFor = new Set(Object.values(groups).map((g) => JSON.stringify(props(g).LogGroupName)));
    const withoutGroup = Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))
      .filter(([id, fn]) => {
        const own = target((props(fn).LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
        if (own !== undefined) return groups[own] === undefined;
        return !namedFor.has(JSON.stringify({ 'Fn::Join': ['', ['/aws/lambda/', { Ref: id }]] }));
      })
      .map(([id]) => id);
    const skips = (g: Resources[string]): Array<{ id: string; comment: string }> =>
      (g.Metadata?.checkov as { skip?: Array<{ id: string; comment: string }> } | undefined)?.skip ?? [];

    // Assess
    expect(withoutGroup).toEqual([]);
    expect(
      Object.entries(groups)
        .filter(([, g]) => typeof props(g).RetentionInDays !== 'number')
        .map(([id]) => id),
    ).toEqual([]);
    expect(
      Object.entries(groups)
        .filter(([, g]) => props(g).KmsKeyId === undefined && !skips(g).some((s) => s.id === 'CKV_AWS_158'))
        .map(([id]) => id),
    ).toEqual([]);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: { DestinationArn: Match.anyValue() } });
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it('has no unacknowledged cdk-nag finding (AwsSolutions, ServerlessChecks)', () => {
    // Prepare
    const { stack } = stackOf(label);

    // Act
    const findings = nagFindings(stack);

    // Assess
    expect(findings).toEqual([]);
  });

  it('skips a checkov check only with its reason', () => {
    // Prepare
    const { template } = stackOf(label);

    // Act
    const skips = Object.entries(resourcesOf(template)).flatMap(([id, r]) =>
      ((r.Metadata?.checkov as { skip?: Array<{ id?: unknown; comment?: unknown }> } | undefined)?.skip ?? []).map((s) => ({
        resource: id,
        ...s,
      })),
    );

    // Assess
    expect(skips.length).toBeGreaterThan(0);
    expect(
      skips.filter(
        (s) => typeof s.id !== 'string' || !/^CKV_AWS_\d+$/.test(s.id) || typeof s.comment !== 'string' || s.comment.length < 40,
      ),
    ).toEqual([]);
  });
});
