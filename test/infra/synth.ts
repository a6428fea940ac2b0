/**
 * Test helper: synthesizes the fluxo stack for one broker mode with asset bundling skipped (no
 * esbuild run, so the suite stays fast), and runs the cdk-nag packs the app uses over it.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { pipeline } from '../../pipeline';
import type { BrokerMode, DeploymentConfig } from '../../lib/config';
import { FluxoStack } from '../../lib/fluxo-stack';
import { nagPacks } from '../../lib/nag';
import type { PipelineSpec } from '../../core/spec';

/** A synthesized stack. */
export interface Synthesized {
  readonly stack: FluxoStack;
  readonly template: Template;
}

/** Synthesizes the stack for `brokerMode` (sandbox stage, client host on unless told otherwise). */
export function synthesize(brokerMode: BrokerMode, overrides: Partial<DeploymentConfig> = {}, spec: PipelineSpec = pipeline): Synthesized {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new FluxoStack(app, 'Test', {
    spec,
    deployment: { stage: 'sandbox', brokerMode, clientHost: true, pollers: 'provisioned', filters: 'mapping', ...overrides },
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { stack, template: Template.fromStack(stack) };
}

/** Every unacknowledged cdk-nag finding (AwsSolutions and ServerlessChecks) as `rule at path` lines. */
export function nagFindings(stack: FluxoStack): string[] {
  return nagPacks(stack).flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`)),
  );
}

/** A CloudFormation value with every `Fn::Join` flattened to text and every other token as `<token>`. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(text).join(',');
  if (value && typeof value === 'object') {
    const join = (value as Record<string, unknown>)['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(text).join(String(join[0]));
    return '<token>';
  }
  return String(value);
}

/** A policy statement as stored in a template. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of every `AWS::IAM::Policy`, with the logical id of its policy. */
export function statements(template: Template): Array<Statement & { policy: string; roles: string }> {
  return Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([policy, resource]) => {
    const props = (resource as { Properties: { PolicyDocument: { Statement: Statement[] }; Roles: unknown } }).Properties;
    return props.PolicyDocument.Statement.map((s) => ({ ...s, policy, roles: JSON.stringify(props.Roles) }));
  });
}

/** A statement's actions as a list. */
export function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** A statement's resources as flattened text. */
export function resources(statement: Statement): string[] {
  const list = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  return list.map(text);
}

/** The Properties of the template's resources of `type`, only those matching `properties` when given, as the caller types them. */
export function propertiesOf<P = Record<string, unknown>>(template: Template, type: string, properties?: Record<string, unknown>): P[] {
  return Object.values(template.findResources(type, properties === undefined ? undefined : { Properties: properties })).map(
    (resource) => (resource as { Properties: P }).Properties,
  );
}
