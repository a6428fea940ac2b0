/**
 * cdk-nag wiring. cdk-nag 3 runs as CDK validation plugins: findings fail `cdk synth`, and a
 * finding is accepted with `Validations.of(construct).acknowledge({ id, reason })` next to the
 * resource it concerns (see the constructs).
 */
import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

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
