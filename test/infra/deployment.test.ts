/**
 * One description of each function and table for both runtimes (core/deployment.ts):
 * the synthesized CDK stack and the local stack must read it alike. Each test fails when one side
 * sets a timeout, memory size, environment variable, bundling option or table key the other does
 * not — the only differences allowed are the ones the description names with their reason.
 */
import * as dynamodb from '@aws-sdk/client-dynamodb';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../core/config';
import {
  BUNDLING,
  COMMON_ENVIRONMENT,
  FUNCTIONS,
  LAMBDA_RUNTIME,
  LOCAL_BUNDLE_TARGET,
  TABLES,
  type FunctionName,
} from '../../core/deployment';
import { deployedBundling } from '../../lib/constructs/fluxo-function';
import { LOCAL_BUNDLING } from '../../local/emulation/runtime/bundle';
import { localFunctionEnvironment } from '../../local/emulation/runtime/environment';
import { LOCAL_TABLES, localTableDefinitions } from '../../local/emulation/services/tables';
import { createLocalFunction, type FunctionFactoryOptions } from '../../local/stack';
import { propertiesOf, synthesize } from './synth';

/** How each function is told apart in the template: its description, set by the stack. */
const DESCRIPTIONS: Readonly<Record<FunctionName, RegExp>> = {
  producer: /^fluxo ingest/,
  consumer: /^fluxo consumer /,
  results: /^fluxo results/,
  topics: /^fluxo topic admin/,
};

interface FunctionProperties {
  readonly Runtime: string;
  readonly Timeout: number;
  readonly MemorySize: number;
  readonly Environment: { readonly Variables: Record<string, unknown> };
}

function deployedFunctions(template: Template, name: FunctionName): FunctionProperties[] {
  return propertiesOf<FunctionProperties>(template, 'AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp(DESCRIPTIONS[name].source),
  });
}

const ENV_NAMES: readonly string[] = Object.values(ENV);
const factory: FunctionFactoryOptions = {
  kafkaBrokers: '127.0.0.1:9092',
  dynamodbEndpoint: 'http://127.0.0.1:8000',
  tables: LOCAL_TABLES,
  workerFile: '/nonexistent/_worker/index.js',
  log: () => undefined,
};

// The serverless mode has every function: producer, consumers, results and the topic admin.
const { template } = synthesize('serverless');

describe('one description of each function, on AWS and locally', () => {
  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    'gives %s the same timeout and memory in the template and the local runtime',
    (name) => {
      // Prepare
      const described = FUNCTIONS[name];

      // Act
      const deployed = deployedFunctions(template, name);
      const local = createLocalFunction(
        `fluxo-${name}`,
        name,
        { name, file: '/nonexistent/index.js', bytes: 0, cached: true },
        factory,
        name === 'consumer' ? 'peso-acima-80' : undefined,
      );

      // Assess
      expect(deployed.length).toBeGreaterThan(0);
      for (const fn of deployed)
        expect(fn).toMatchObject({ Runtime: LAMBDA_RUNTIME, Timeout: described.timeoutSeconds, MemorySize: described.memoryMB });
      expect({ timeoutSeconds: local.timeoutSeconds, memoryMB: local.memoryMB }).toEqual({
        timeoutSeconds: described.timeoutSeconds,
        memoryMB: described.memoryMB,
      });
    },
  );

  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    'sets %s the same environment variables on AWS and locally, besides the local-only ones',
    (name) => {
      // Prepare
      const described = FUNCTIONS[name];

      // Act
      const deployed = deployedFunctions(template, name).map((fn) => Object.keys(fn.Environment.Variables).sort());
      const local = Object.keys(
        localFunctionEnvironment({
          functionName: `fluxo-${name}`,
          handler: name,
          kafkaBrokers: 'b:9092',
          dynamodbEndpoint: 'http://d:8000',
          tables: { results: 'r', idempotency: 'i' },
          consumerName: 'c',
        }),
      ).filter((key) => ENV_NAMES.includes(key) || key in COMMON_ENVIRONMENT);

      // Assess
      for (const keys of deployed) expect(keys).toEqual([...described.environment, ...Object.keys(COMMON_ENVIRONMENT)].sort());
      expect(local.sort()).toEqual([...described.environment, ...described.localEnvironment, ...Object.keys(COMMON_ENVIRONMENT)].sort());
      expect(described.localEnvironment.every((key) => key === ENV.dynamodbEndpoint)).toBe(true);
    },
  );

  it('bundles alike on both sides, but for the local Node.js', () => {
    // Prepare: the lowest Node.js the local stack supports (package.json engines)
    const engines = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { engines: { node: string } }).engines
      .node;

    // Act
    const deployed = deployedBundling();
    const { target: localTarget, ...local } = LOCAL_BUNDLING;
    const { target: deployedTarget, ...shared } = BUNDLING;

    // Assess
    expect(deployed).toMatchObject({
      minify: BUNDLING.minify,
      sourceMap: BUNDLING.sourceMap,
      target: BUNDLING.target,
      externalModules: [...BUNDLING.externalModules],
      format: 'cjs',
    });
    expect(local).toEqual(shared);
    expect(deployedTarget).toBe(`node${/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)?.[1]}`);
    expect(localTarget).toBe(LOCAL_BUNDLE_TARGET);
    expect(engines).toBe(`>=${LOCAL_BUNDLE_TARGET.replace('node', '')}`);
  });
});

describe('one description of each table, on AWS and locally', () => {
  type TableProperties = {
    KeySchema: dynamodb.KeySchemaElement[];
    AttributeDefinitions: dynamodb.AttributeDefinition[];
    TimeToLiveSpecification: { AttributeName: string; Enabled: boolean };
    GlobalSecondaryIndexes?: Array<{ IndexName: string; KeySchema: dynamodb.KeySchemaElement[]; Projection: { ProjectionType: string } }>;
  };
  const deployed = Object.values(template.findResources('AWS::DynamoDB::Table')).map(
    (r) => (r as { Properties: TableProperties }).Properties,
  );
  const local = localTableDefinitions();

  it.each([
    ['results', LOCAL_TABLES.results],
    ['idempotency', LOCAL_TABLES.idempotency],
  ] as const)('creates the %s table with the same keys, TTL and indexes', (name, localName) => {
    // Prepare
    const described = TABLES[name];
    const keySchema = [
      { AttributeName: described.partitionKey, KeyType: 'HASH' },
      ...(described.sortKey === undefined ? [] : [{ AttributeName: described.sortKey, KeyType: 'RANGE' }]),
    ];

    // Act
    const onAws = deployed.find((t) => t.KeySchema[0]?.AttributeName === described.partitionKey);
    const onLocal = local.find((t) => t.create.TableName === localName);

    // Assess
    expect(onAws).toBeDefined();
    expect(onLocal).toBeDefined();
    expect(onAws?.KeySchema).toEqual(keySchema);
    expect(onLocal?.create.KeySchema).toEqual(keySchema);
    expect(onAws?.TimeToLiveSpecification).toEqual({ AttributeName: described.ttlAttribute, Enabled: true });
    expect(onLocal?.ttlAttribute).toBe(described.ttlAttribute);
    expect([...(onAws?.AttributeDefinitions ?? [])].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)))).toEqual(
      [...(onLocal?.create.AttributeDefinitions ?? [])].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName))),
    );
    const indexes = (
      list:
        | ReadonlyArray<{ IndexName?: string; KeySchema?: dynamodb.KeySchemaElement[]; Projection?: { ProjectionType?: string } }>
        | undefined,
    ) => (list ?? []).map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection?.ProjectionType }));
    expect(indexes(onAws?.GlobalSecondaryIndexes)).toEqual(indexes(onLocal?.create.GlobalSecondaryIndexes));
    expect(indexes(onAws?.GlobalSecondaryIndexes).map((i) => i.IndexName)).toEqual(described.indexes.map((i) => i.name));
  });
});
