import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '../../core/config';
import { TABLES, type TableDescription } from '../../core/deployment';
import { arnInFinding, skipCheckov } from '../nag';

/** Properties of {@link Tables}. */
export interface TablesProps {
  /** What happens to the tables (and their data) when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/** What a function may do with the results table. */
export type ResultsAccess = 'read' | 'readWrite';

/**
 * fluxo's DynamoDB tables, both on demand with point-in-time recovery:
 * - results: aggregates, kept records and dead letters (single-table design, see keys.ts), with
 *   the `byWindow` index and a TTL attribute;
 * - idempotency: Powertools' idempotency layout (`id`, TTL `expiration`) for ingest retries.
 *
 * Encryption uses the AWS managed key (`aws/dynamodb`): the data is a sandbox's aggregates, no
 * key policy needs to differ from the account's, and a customer managed key would add a monthly
 * key charge and a key policy to get right for every reader.
 */
export class Tables extends Construct {
  /** The results table. */
  public readonly results: dynamodb.Table;
  /** The ingest idempotency table. */
  public readonly idempotency: dynamodb.Table;

  public constructor(scope: Construct, id: string, props: TablesProps = {}) {
    super(scope, id);
    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    };
    // Keys, TTL and indexes as core/deployment.ts describes them (the local stack reads the same).
    const table = (tableId: string, description: TableDescription): dynamodb.Table => {
      const created = new dynamodb.Table(this, tableId, {
        ...common,
        partitionKey: { name: description.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: description.sortKey === undefined ? undefined : { name: description.sortKey, type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: description.ttlAttribute,
      });
      for (const index of description.indexes) {
        created.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      return created;
    };
    this.results = table('Results', TABLES.results);
    this.idempotency = table('Idempotency', TABLES.idempotency);
    for (const table of [this.results, this.idempotency]) {
      skipCheckov(table, {
        id: 'CKV_AWS_119',
        comment:
          'Encrypted at rest with the AWS managed key (aws/dynamodb, audited in CloudTrail); a customer managed key would add a monthly charge and key policy to the sandbox stack for no added isolation.',
      });
    }
  }

  /** Grants access to the results table and sets `RESULTS_TABLE`. */
  public bindResults(fn: lambda.Function, access: ResultsAccess): void {
    if (access === 'read') this.results.grantReadData(fn);
    else this.results.grantReadWriteData(fn);
    // The grant lands in the role's default policy, so that is where the finding is acknowledged.
    Validations.of(fn.role ?? fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnInFinding(this.results)}/index/*]`,
      reason: "The CDK table grant covers the table's own indexes (the byWindow GSI), nothing else.",
    });
    fn.addEnvironment(ENV.resultsTable, this.results.tableName);
  }

  /** Grants what Powertools idempotency needs on the idempotency table and sets `IDEMPOTENCY_TABLE`. */
  public bindIdempotency(fn: lambda.Function): void {
    this.idempotency.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    fn.addEnvironment(ENV.idempotencyTable, this.idempotency.tableName);
  }
}
