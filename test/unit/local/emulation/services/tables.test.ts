/** Creating the local tables: idempotent, as the CDK stack defines them. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { BY_WINDOW_INDEX, RESULTS_KEY, TTL_ATTRIBUTE } from '../../../../../core/keys';
import { LOCAL_TABLES, ensureTables, localTableDefinitions } from '../../../../../local/emulation/services/tables';

const dynamodb = mockClient(DynamoDBClient);

afterEach(() => {
  dynamodb.reset();
});

describe('the local tables', () => {
  it('are created with the results keys and byWindow index of the shared contract, and their TTL turned on', async () => {
    // Prepare
    dynamodb.on(CreateTableCommand).resolves({});
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
    dynamodb.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } });
    dynamodb.on(UpdateTimeToLiveCommand).resolves({});

    // Act
    const result = await ensureTables('http://127.0.0.1:8000');

    // Assess
    expect(result).toEqual({ created: [LOCAL_TABLES.results, LOCAL_TABLES.idempotency], existing: [] });
    expect(dynamodb).toHaveReceivedCommandWith(CreateTableCommand, {
      TableName: LOCAL_TABLES.results,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: RESULTS_KEY.partition, KeyType: 'HASH' },
        { AttributeName: RESULTS_KEY.sort, KeyType: 'RANGE' },
      ],
    });
    const [results] = localTableDefinitions();
    expect(results?.create.GlobalSecondaryIndexes?.[0]).toEqual({
      IndexName: BY_WINDOW_INDEX.name,
      KeySchema: [
        { AttributeName: BY_WINDOW_INDEX.partition, KeyType: 'HASH' },
        { AttributeName: BY_WINDOW_INDEX.sort, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    expect(dynamodb).toHaveReceivedCommandWith(CreateTableCommand, {
      TableName: LOCAL_TABLES.idempotency,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateTimeToLiveCommand, {
      TableName: LOCAL_TABLES.results,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateTimeToLiveCommand, {
      TableName: LOCAL_TABLES.idempotency,
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('that exist already are left as they are, TTL included', async () => {
    // Prepare
    dynamodb.on(CreateTableCommand).rejects(new ResourceInUseException({ message: 'Table already exists', $metadata: {} }));
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
    dynamodb
      .on(DescribeTimeToLiveCommand, { TableName: LOCAL_TABLES.results })
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE } })
      .on(DescribeTimeToLiveCommand, { TableName: LOCAL_TABLES.idempotency })
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' } });

    // Act
    const result = await ensureTables('http://127.0.0.1:8000');

    // Assess
    expect(result).toEqual({ created: [], existing: [LOCAL_TABLES.results, LOCAL_TABLES.idempotency] });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateTimeToLiveCommand);
  });

  it('are waited for until they are active', async () => {
    // Prepare
    dynamodb.on(CreateTableCommand).resolves({});
    dynamodb
      .on(DescribeTableCommand)
      .resolvesOnce({ Table: { TableStatus: 'CREATING' } })
      .resolves({ Table: { TableStatus: 'ACTIVE' } });
    dynamodb
      .on(DescribeTimeToLiveCommand)
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: TTL_ATTRIBUTE } });
    dynamodb.on(UpdateTimeToLiveCommand).resolves({});

    // Act
    await ensureTables('http://127.0.0.1:8000');

    // Assess
    expect(dynamodb).toHaveReceivedCommandTimes(DescribeTableCommand, 3);
  });

  it('report a table that cannot be created, naming it and the endpoint', async () => {
    // Prepare
    dynamodb.on(CreateTableCommand).rejects(new Error('connect ECONNREFUSED'));

    // Act
    const ensuring = ensureTables('http://127.0.0.1:8000');

    // Assess
    await expect(ensuring).rejects.toThrow(`could not create table ${LOCAL_TABLES.results} at http://127.0.0.1:8000`);
  });
});
