#!/usr/bin/env node
/**
 * The CDK app: reads the deployment context, creates the stack from the pipeline spec, and
 * checks it with cdk-nag (AwsSolutions and ServerlessChecks packs) as synthesis validation
 * plugins: an unacknowledged finding fails the synth.
 *
 *   npx cdk deploy                                 # sandbox, MSK provisioned, client host
 *   npx cdk deploy -c brokerMode=serverless        # or ec2 (the cheapest)
 *   npx cdk deploy -c stage=prod -c clientHost=false
 */
import { App } from 'aws-cdk-lib';
import { pipeline } from '../pipeline';
import { readDeploymentConfig } from '../lib/config';
import { FluxoStack, stackName } from '../lib/fluxo-stack';
import { addNagChecks } from '../lib/nag';

const app = new App();
const deployment = readDeploymentConfig((key) => app.node.tryGetContext(key));
new FluxoStack(app, stackName(deployment), {
  spec: pipeline,
  deployment,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
addNagChecks(app);
