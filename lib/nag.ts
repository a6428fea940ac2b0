/**
 * cdk-nag wiring. cdk-nag 3 runs as CDK validation plugins: findings fail `cdk synth`, and a
 * finding is accepted with `Validations.of(construct).acknowledge({ id, reason })` next to the
 * resource it concerns (see the constructs).
 */
import { CfnElement, CfnResource, Stack, Validations, type Acknowledgment } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';

/** The rule packs fluxo is checked against. */
export function nagPacks(scope: IConstruct): [AwsSolutionsChecks, ServerlessChecks] {
  return [new AwsSolutionsChecks(scope, { verbose: true }), new ServerlessChecks(scope, { verbose: true })];
}

/** Registers the AwsSolutions and ServerlessChecks packs on an app (or stage). */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}

/**
 * How cdk-nag spells a resource's `Fn::GetAtt Arn` in a finding id, e.g. `<TablesResults1234.Arn>`:
 * findings are acknowledged one by one, such as `AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]`.
 */
export function arnInFinding(resource: IConstruct): string {
  const element = resource.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return `<${Stack.of(resource).getLogicalId(element)}.Arn>`;
}

/** The finding id of an AWS managed policy attached to a role (AwsSolutions-IAM4). */
export function managedPolicyFinding(policyName: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`;
}

/**
 * Why fluxo's log groups use CloudWatch Logs' own encryption at rest rather than a customer
 * managed KMS key (checkov CKV_AWS_158).
 */
const LOGS_ENCRYPTION_SKIP: CheckovSkip = {
  id: 'CKV_AWS_158',
  comment:
    'CloudWatch Logs encrypts every log group at rest with service keys; the logs carry no secrets, and a customer managed key would add a monthly key charge and a key policy to this sandbox stack.',
};

/** A log group whose events are kept one month, with {@link LOGS_ENCRYPTION_SKIP}; `props` adds to or overrides that. */
export function monthlyLogGroup(scope: Construct, id: string, props: logs.LogGroupProps = {}): logs.LogGroup {
  const group = new logs.LogGroup(scope, id, { retention: logs.RetentionDays.ONE_MONTH, ...props });
  skipCheckov(group, LOGS_ENCRYPTION_SKIP);
  return group;
}

/**
 * cdk-nag findings on the Lambda functions aws-cdk-lib creates for CloudFormation custom
 * resources (the AwsCustomResource singleton, the custom resource provider framework).
 */
export const FRAMEWORK_FUNCTION_FINDINGS: readonly Acknowledgment[] = [
  {
    id: managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
    reason: 'A custom resource function of aws-cdk-lib, which gives it AWSLambdaBasicExecutionRole.',
  },
  { id: 'AwsSolutions-L1', reason: 'A custom resource function of aws-cdk-lib, whose runtime aws-cdk-lib chooses.' },
  { id: 'Serverless-LambdaDLQ', reason: 'Invoked synchronously by CloudFormation.' },
  { id: 'Serverless-LambdaDefaultMemorySize', reason: 'A custom resource function configured by aws-cdk-lib.' },
  { id: 'Serverless-LambdaLatestVersion', reason: 'A custom resource function whose runtime aws-cdk-lib chooses.' },
  {
    id: 'Serverless-LambdaTracing',
    reason: 'A custom resource function configured by aws-cdk-lib, run a few times per deployment (the topics function itself is traced).',
  },
];

/**
 * checkov findings on the Lambda functions aws-cdk-lib creates for CloudFormation custom
 * resources (providers, AwsCustomResource, the default security group restriction).
 */
export const FRAMEWORK_FUNCTION_SKIPS: readonly CheckovSkip[] = [
  { id: 'CKV_AWS_115', comment: 'A custom resource handler of aws-cdk-lib, run by CloudFormation a few times per deployment.' },
  {
    id: 'CKV_AWS_116',
    comment: 'Invoked synchronously by CloudFormation, which reports its failures: an async DLQ would never receive anything.',
  },
  {
    id: 'CKV_AWS_117',
    comment: 'A custom resource handler of aws-cdk-lib that calls AWS APIs only; it needs no network access to the VPC.',
  },
];

/**
 * Why a role policy that manages VPC network interfaces grants write on "*" (checkov
 * CKV_AWS_111): those EC2 actions have no resource-level permissions.
 */
export const ENI_WRITE_SKIP: CheckovSkip = {
  id: 'CKV_AWS_111',
  comment:
    'The only writes on "*" are VPC network interface actions (for the function or its event source mapping pollers), which have no resource-level permissions; every other write names its log group, table, queue, topic or group.',
};

/** A checkov check skipped on one resource, and why. */
export interface CheckovSkip {
  /** The check id, e.g. `CKV_AWS_158`. */
  readonly id: string;
  /** Why the finding is accepted: checkov prints it with the skipped check. */
  readonly comment: string;
}

/**
 * Skips checkov checks on a construct's CloudFormation resource (the construct itself when it is
 * one, else its default child) by writing `Metadata.checkov.skip`, which checkov reads from the
 * synthesized template; skips already there are kept. Call it next to the resource concerned.
 */
export function skipCheckov(construct: IConstruct, ...skips: readonly CheckovSkip[]): void {
  const resource = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnResource))
    throw new Error(`${construct.node.path} has no CloudFormation resource to skip checkov checks on`);
  const existing = (resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  const ids = new Set(skips.map((s) => s.id));
  resource.addMetadata('checkov', { skip: [...existing.filter((s) => !ids.has(s.id)), ...skips] });
}
