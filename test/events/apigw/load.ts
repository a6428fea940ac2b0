/**
 * API Gateway REST proxy event fixtures (captured shape of a real `curl` request through a
 * stage), loaded as fresh deep copies so a test can change them freely, and a Lambda context.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { invocationContext } from '../../../local/emulation/runtime/protocol';

/** The fixtures in this folder. */
export type ApiGatewayFixture = 'post-records' | 'get-topics' | 'get-results';

/** A fresh copy of a fixture, with `overrides` applied on top. */
export function apigwEvent(name: ApiGatewayFixture, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  const event = JSON.parse(readFileSync(join(__dirname, `${name}.json`), 'utf8')) as APIGatewayProxyEvent;
  return { ...event, ...overrides };
}

/** The producer's Lambda context, with 29 s left. */
export function lambdaContext(): Context {
  return invocationContext({
    functionName: 'fluxo-producer',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fluxo-producer',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    deadlineMs: Date.now() + 29_000,
  });
}
