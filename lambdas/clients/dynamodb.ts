/**
 * The DynamoDB document client, created once per container. `DYNAMODB_ENDPOINT` points it at
 * DynamoDB Local; on AWS it is unset and the SDK's defaults apply.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../core/config';

/** Creates a document client that drops undefined attributes, honouring `DYNAMODB_ENDPOINT`. */
export function createDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  const endpoint = env[ENV.dynamodbEndpoint];
  const client = new DynamoDBClient(endpoint ? { endpoint, region: env.AWS_REGION ?? 'local' } : {});
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
