/**
 * An in-memory results table with the DynamoDB semantics the consumer relies on, installed
 * behind aws-sdk-client-mock: BatchGetItem (consistent, UnprocessedKeys), GetItem, PutItem with
 * `attribute_not_exists(pk)` or `#version = :expected` conditions, BatchWriteItem
 * (UnprocessedItems), and UpdateItem of `SET #a = :v` / `#a = if_not_exists(#a, :v)` terms with
 * `ReturnValues: ALL_NEW` (the consumer's copy claims). Items are deep-copied in and out, as serialization would. Every call
 * yields to the event loop first, a random number of times, so that concurrent invocations
 * interleave; hooks inject throttling, unprocessed keys and crashes.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown> & { pk: string; sk: string };
type Key = { pk: string; sk: string };

/** What an operation is about to do, for fault hooks. */
export type FaultPoint = 'read' | 'write';

/** A seeded PRNG (mulberry32): the same seed gives the same run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An error shaped like the SDK's service errors. */
export function serviceError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} (injected)`), { name, $metadata: { httpStatusCode: status } });
}

export class FakeTable {
  /** Stored items by `pk\0sk`. */
  public readonly items = new Map<string, Item>();
  /** Called before each item-level read or write; an error it returns is thrown for that call. */
  public fault: (point: FaultPoint, key: Key) => Error | undefined = () => undefined;
  /** Whether a key of a batch call is left unprocessed this time. */
  public unprocessed: (point: FaultPoint, key: Key) => boolean = () => false;
  /** Item writes applied (puts and batch-write items). */
  public writes = 0;

  public constructor(
    public readonly table: string,
    private readonly random: () => number = Math.random,
  ) {}

  /** Routes the document client's commands to this table. */
  public install(mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBDocumentClient['config']>): void {
    mock.on(BatchGetCommand).callsFake((input) => this.batchGet(input));
    mock.on(GetCommand).callsFake((input) => this.get(input));
    mock.on(PutCommand).callsFake((input) => this.put(input));
    mock.on(BatchWriteCommand).callsFake((input) => this.batchWrite(input));
    mock.on(UpdateCommand).callsFake((input) => this.update(input));
  }

  /** The stored items whose pk starts with a prefix. */
  public itemsWithPrefix(prefix: string): Item[] {
    return [...this.items.values()].filter((item) => item.pk.startsWith(prefix));
  }

  private async interleave(): Promise<void> {
    const yields = Math.floor(this.random() * 3);
    for (let i = 0; i <= yields; i += 1) await new Promise((resolve) => setImmediate(resolve));
  }

  private static id(key: Key): string {
    return `${key.pk}\u0000${key.sk}`;
  }

  private async batchGet(input: { RequestItems?: Record<string, { Keys?: Key[]; ConsistentRead?: boolean }> }) {
    await this.interleave();
    const request = input.RequestItems?.[this.table];
    if (request?.ConsistentRead !== true) throw new Error('the consumer must read aggregates with ConsistentRead');
    const keys = request.Keys ?? [];
    if (keys.length > 100) throw serviceError('ValidationException');
    const responses: Item[] = [];
    const unprocessed: Key[] = [];
    for (const key of keys) {
      const error = this.fault('read', key);
      if (error) throw error;
      if (this.unprocessed('read', key)) {
        unprocessed.push(key);
        continue;
      }
      const item = this.items.get(FakeTable.id(key));
      if (item) responses.push(structuredClone(item));
    }
    return {
      Responses: { [this.table]: responses },
      ...(unprocessed.length > 0 ? { UnprocessedKeys: { [this.table]: { Keys: unprocessed } } } : {}),
    };
  }

  private async get(input: { Key?: Key; ConsistentRead?: boolean }) {
    await this.interleave();
    if (input.ConsistentRead !== true) throw new Error('the consumer must re-read aggregates with ConsistentRead');
    const key = input.Key as Key;
    const error = this.fault('read', key);
    if (error) throw error;
    const item = this.items.get(FakeTable.id(key));
    return item ? { Item: structuredClone(item) } : {};
  }

  private async put(input: {
    Item?: Record<string, unknown>;
    ConditionExpression?: string;
    ExpressionAttributeValues?: Record<string, unknown>;
  }) {
    await this.interleave();
    const item = structuredClone(input.Item) as Item;
    const error = this.fault('write', item);
    if (error) throw error;
    const current = this.items.get(FakeTable.id(item));
    if (input.ConditionExpression === 'attribute_not_exists(pk)') {
      if (current) throw serviceError('ConditionalCheckFailedException');
    } else if (input.ConditionExpression === '#version = :expected') {
      if (!current || current.version !== input.ExpressionAttributeValues?.[':expected'])
        throw serviceError('ConditionalCheckFailedException');
    } else if (input.ConditionExpression !== undefined) {
      throw new Error(`condition not supported by the fake: ${input.ConditionExpression}`);
    }
    this.items.set(FakeTable.id(item), item);
    this.writes += 1;
    return {};
  }

  private async update(input: {
    Key?: Key;
    UpdateExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
    ReturnValues?: string;
  }) {
    await this.interleave();
    const key = input.Key as Key;
    const error = this.fault('write', key);
    if (error) throw error;
    if (input.ReturnValues !== 'ALL_NEW') throw new Error('the fake answers updates with ALL_NEW only');
    const expression = input.UpdateExpression ?? '';
    // DynamoDB refuses an expression over 4 KB.
    if (Buffer.byteLength(expression) > 4096) throw serviceError('ValidationException');
    if (!expression.startsWith('SET ')) throw new Error(`update not supported by the fake: ${expression}`);
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const item: Item = structuredClone(this.items.get(FakeTable.id(key))) ?? { pk: key.pk, sk: key.sk };
    for (const term of expression.slice(4).split(/,\s*(?=#)/)) {
      const plain = /^(#\w+) = (:\w+)$/.exec(term);
      const ifNotExists = /^(#\w+) = if_not_exists\((#\w+), (:\w+)\)$/.exec(term);
      if (plain) item[names[plain[1] as string] as string] = structuredClone(values[plain[2] as string]);
      else if (ifNotExists && ifNotExists[1] === ifNotExists[2]) {
        const name = names[ifNotExists[1] as string] as string;
        if (!(name in item)) item[name] = structuredClone(values[ifNotExists[3] as string]);
      } else throw new Error(`update term not supported by the fake: ${term}`);
    }
    this.items.set(FakeTable.id(key), item);
    this.writes += 1;
    return { Attributes: structuredClone(item) };
  }

  private async batchWrite(input: { RequestItems?: Record<string, Array<{ PutRequest?: { Item?: Record<string, unknown> } }>> }) {
    await this.interleave();
    const requests = input.RequestItems?.[this.table] ?? [];
    if (requests.length > 25) throw serviceError('ValidationException');
    const ids = requests.map((r) => FakeTable.id(r.PutRequest?.Item as Item));
    if (new Set(ids).size !== ids.length) throw serviceError('ValidationException');
    const unprocessed: Array<{ PutRequest: { Item: Item } }> = [];
    for (const request of requests) {
      const item = structuredClone(request.PutRequest?.Item) as Item;
      const error = this.fault('write', item);
      if (error) throw error;
      if (this.unprocessed('write', item)) {
        unprocessed.push({ PutRequest: { Item: item } });
        continue;
      }
      this.items.set(FakeTable.id(item), item);
      this.writes += 1;
    }
    return unprocessed.length > 0 ? { UnprocessedItems: { [this.table]: unprocessed } } : {};
  }
}
