/**
 * The DynamoDB tables of the local stack, created as the CDK stack creates them on AWS: keys,
 * TTL and indexes of the results and ingest idempotency tables from the one description both
 * read (core/deployment.ts `TABLES`).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDescription } from '../../../core/deployment';
import { localDynamoDbClient } from './dynamodb-local';
import { setTimeout as sleep } from 'node:timers/promises';

/** Table names the local stack uses (on AWS, CDK names the tables and passes the names in the environment). */
export const LOCAL_TABLES = {
  /** Aggregates, kept records and dead letters (`RESULTS_TABLE`). */
  results: 'fluxo-results',
  /** Ingest idempotency records (`IDEMPOTENCY_TABLE`). */
  idempotency: 'fluxo-idempotency',
} as const;

/** A table definition: what CreateTable takes, plus the TTL attribute. */
export interface TableDefinition {
  /** The CreateTable request. */
  readonly create: CreateTableCommandInput;
  /** The attribute holding each item's expiry, in epoch seconds. */
  readonly ttlAttribute: string;
}

/** One table's CreateTable request and TTL attribute, as described in `TABLES`. */
function definition(tableName: string, table: TableDescription): TableDefinition {
  const keyNames = [
    table.partitionKey,
    ...(table.sortKey === undefined ? [] : [table.sortKey]),
    ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  return {
    create: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...new Set(keyNames)].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        ...(table.sortKey === undefined ? [] : [{ AttributeName: table.sortKey, KeyType: 'RANGE' as const }]),
      ],
      ...(table.indexes.length === 0
        ? {}
        : {
            GlobalSecondaryIndexes: table.indexes.map((index) => ({
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
                { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
              ],
              Projection: { ProjectionType: 'ALL' as const },
            })),
          }),
    },
    ttlAttribute: table.ttlAttribute,
  };
}

/** The local tables' definitions, on-demand billing as on AWS. */
export function localTableDefinitions(): TableDefinition[] {
  return [definition(LOCAL_TABLES.results, TABLES.results), definition(LOCAL_TABLES.idempotency, TABLES.idempotency)];
}

/** What {@link ensureTables} did. */
export interface EnsureTablesResult {
  /** Tables it created. */
  readonly created: string[];
  /** Tables that were already there. */
  readonly existing: string[];
}

async function waitActive(client: DynamoDBClient, tableName: string, deadlineMs: number): Promise<void> {
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadlineMs) throw new Error(`table ${tableName} is still ${Table?.TableStatus ?? 'missing'}`);
    await sleep(100);
  }
}

async function ensureTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && TimeToLiveDescription?.AttributeName === attribute) return;
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }),
  );
}

/**
 * Creates the local tables that do not exist yet, waits until they are active and turns on their
 * TTL. Idempotent: safe on every start and from several processes at once.
 */
export async function ensureTables(dynamodbEndpoint: string): Promise<EnsureTablesResult> {
  const client = localDynamoDbClient(dynamodbEndpoint);
  const created: string[] = [];
  const existing: string[] = [];
  try {
    for (const table of localTableDefinitions()) {
      const name = table.create.TableName ?? '';
      try {
        await client.send(new CreateTableCommand(table.create));
        created.push(name);
      } catch (error) {
        if (!(error instanceof ResourceInUseException))
          throw new Error(`could not create table ${name} at ${dynamodbEndpoint}`, { cause: error });
        existing.push(name);
      }
      await waitActive(client, name, Date.now() + 30_000);
      await ensureTtl(client, name, table.ttlAttribute);
    }
  } finally {
    client.destroy();
  }
  return { created, existing };
}
