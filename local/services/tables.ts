/**
 * The DynamoDB tables of the local stack, created as the CDK stack creates them on AWS: the
 * results table (keys and index from lambdas/shared/keys.ts) and the ingest idempotency table
 * (the Powertools DynamoDB persistence layer's default attribute names).
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
import { BY_WINDOW_INDEX, RESULTS_KEY, TTL_ATTRIBUTE } from '../../lambdas/shared/keys';
import { localDynamoDbClient } from './dynamodb-local';
import { setTimeout as sleep } from 'node:timers/promises';

/** Table names the local stack uses (on AWS, CDK names the tables and passes the names in the environment). */
export const LOCAL_TABLES = {
  /** Aggregates, kept records and dead letters (`RESULTS_TABLE`). */
  results: 'fluxo-results',
  /** Ingest idempotency records (`IDEMPOTENCY_TABLE`). */
  idempotency: 'fluxo-idempotency',
} as const;

/** The idempotency table's key and TTL attributes: the Powertools DynamoDB persistence layer's defaults. */
export const IDEMPOTENCY_KEY = { partition: 'id', ttl: 'expiration' } as const;

/** A table definition: what CreateTable takes, plus the TTL attribute. */
export interface TableDefinition {
  /** The CreateTable request. */
  readonly create: CreateTableCommandInput;
  /** The attribute holding each item's expiry, in epoch seconds. */
  readonly ttlAttribute: string;
}

/** The local tables' definitions, on-demand billing as on AWS. */
export function localTableDefinitions(): TableDefinition[] {
  return [
    {
      create: {
        TableName: LOCAL_TABLES.results,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: RESULTS_KEY.partition, AttributeType: 'S' },
          { AttributeName: RESULTS_KEY.sort, AttributeType: 'S' },
          { AttributeName: BY_WINDOW_INDEX.partition, AttributeType: 'S' },
          { AttributeName: BY_WINDOW_INDEX.sort, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: RESULTS_KEY.partition, KeyType: 'HASH' },
          { AttributeName: RESULTS_KEY.sort, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: BY_WINDOW_INDEX.name,
            KeySchema: [
              { AttributeName: BY_WINDOW_INDEX.partition, KeyType: 'HASH' },
              { AttributeName: BY_WINDOW_INDEX.sort, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
      ttlAttribute: TTL_ATTRIBUTE,
    },
    {
      create: {
        TableName: LOCAL_TABLES.idempotency,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_KEY.partition, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: IDEMPOTENCY_KEY.partition, KeyType: 'HASH' }],
      },
      ttlAttribute: IDEMPOTENCY_KEY.ttl,
    },
  ];
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
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
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
        if (!(error instanceof ResourceInUseException)) throw new Error(`could not create table ${name} at ${dynamodbEndpoint}`, { cause: error });
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
