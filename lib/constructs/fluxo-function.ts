import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLING, COMMON_ENVIRONMENT, FUNCTIONS, type FunctionName } from '../../core/deployment';
import { ENI_WRITE_SKIP, monthlyLogGroup, skipCheckov, type CheckovSkip } from '../nag';

/** The repository root, where `lambdas/` and `package-lock.json` live. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The NodejsFunction bundling of the deployed functions, from the shared description (BUNDLING). */
export function deployedBundling(): nodejs.BundlingOptions {
  return {
    // esbuild from devDependencies: no Docker needed.
    forceDockerBundling: false,
    minify: BUNDLING.minify,
    sourceMap: BUNDLING.sourceMap,
    target: BUNDLING.target,
    format: nodejs.OutputFormat.CJS,
    externalModules: [...BUNDLING.externalModules],
  };
}

/** Properties of {@link FluxoFunction}. */
export interface FluxoFunctionProps {
  /** Which handler under `lambdas/` to bundle (a folder with an `index.ts` exporting `handler`). */
  readonly handler: FunctionName;
  /** A one-line description shown in the Lambda console. */
  readonly description: string;
  /** The VPC to attach to, for functions that talk to Kafka. @default not attached */
  readonly vpc?: ec2.IVpc;
  /** Subnets in `vpc`. @default the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Reserved concurrency. @default none: the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
  /** Environment variables that need no grant (grants set theirs through `bind*` helpers). @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** What happens to the log group when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One of fluxo's Lambdas as core/deployment.ts describes it (entry, timeout, memory,
 * runtime, bundling: the local stack reads the same description), on arm64, bundled locally by
 * esbuild, with X-Ray tracing and its own log group with a retention period.
 */
export class FluxoFunction extends Construct {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The execution role: log writing only, until a `bind*` helper grants more. */
  public readonly role: iam.Role;

  public constructor(scope: Construct, id: string, props: FluxoFunctionProps) {
    super(scope, id);
    this.logGroup = monthlyLogGroup(this, 'Logs', { removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);
    if (props.vpc) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    const described = FUNCTIONS[props.handler];
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role: this.role,
      entry: path.join(PROJECT_ROOT, described.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      // LAMBDA_RUNTIME, as aws-cdk-lib names it (deployment.test.ts checks they agree).
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: described.memoryMB,
      timeout: Duration.seconds(described.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? (props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }) : undefined,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { ...COMMON_ENVIRONMENT, ...props.environment },
      bundling: deployedBundling(),
    });
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords and the VPC ENI actions have no resource-level permissions; log writes are scoped to this log group.',
      },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously only (API Gateway, event source mappings with their own on-failure destination, CloudFormation custom resources): a function DLQ would never receive anything.',
      },
    );
    this.skipCheckovFindings(props);
  }

  /** checkov findings on this function's resources, each accepted with its reason (see Validations above for cdk-nag's). */
  private skipCheckovFindings(props: FluxoFunctionProps): void {
    const skips: CheckovSkip[] = [
      {
        id: 'CKV_AWS_116',
        comment:
          'Invoked synchronously only (API Gateway, event source mappings with their own SQS on-failure destination, CloudFormation): an async DLQ would never receive anything.',
      },
      {
        id: 'CKV_AWS_173',
        comment:
          'The environment holds names and addresses only (tables, brokers), no secrets; Lambda encrypts it at rest with its AWS managed key.',
      },
    ];
    if (props.vpc === undefined) {
      skips.push({
        id: 'CKV_AWS_117',
        comment:
          'Talks only to AWS APIs (DynamoDB, CloudWatch) over TLS with IAM; functions that reach Kafka run in the VPC, and event source mapping pollers run in the VPC for the consumers.',
      });
    }
    if (props.reservedConcurrentExecutions === undefined) {
      skips.push({
        id: 'CKV_AWS_115',
        comment:
          'Bounded without reserving: consumers by their event source mapping (one invocation per partition and poller), the producer and results by the API usage plan, the topic admin by CloudFormation; Lambda keeps 100 of the account concurrency unreserved, so a new account cannot reserve any (opt in for the producer with -c producerReservedConcurrency).',
      });
    }
    skipCheckov(this.function, ...skips);
    // The ENI statement above; the default policy exists since the log grant created it.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (props.vpc !== undefined && policy !== undefined) skipCheckov(policy, ENI_WRITE_SKIP);
  }
}
