/**
 * The environment variables a locally run Lambda sees: the names the CDK stack sets for that
 * function (core/deployment.ts `FUNCTIONS`), pointed at the local services, plus what
 * Lambda itself provides. DynamoDB Local's region and static fake credentials (the ones the local
 * tables were created with) keep the AWS SDK from looking for real ones; nothing here can reach AWS.
 */
import { ENV } from '../../../core/config';
import { COMMON_ENVIRONMENT, FUNCTIONS, type FunctionName } from '../../../core/deployment';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../services/dynamodb-local';

/** Where the local services are and what the function is. */
export interface LocalEnvironmentOptions {
  /** The function's name (`AWS_LAMBDA_FUNCTION_NAME`). */
  readonly functionName: string;
  /**
   * Which of fluxo's functions it runs: only the variables its description names are set, and
   * its memory is reported. @default every variable any fluxo function reads
   */
  readonly handler?: FunctionName;
  /** Kafka bootstrap brokers, `host:port,...`. */
  readonly kafkaBrokers: string;
  /** DynamoDB Local's endpoint, e.g. `http://127.0.0.1:8000`. */
  readonly dynamodbEndpoint: string;
  /** The tables' names. */
  readonly tables: { readonly results: string; readonly idempotency: string };
  /** The consumer a consumer function runs (`CONSUMER_NAME`); unset for API functions. */
  readonly consumerName?: string;
}

/** Builds a function's whole environment. */
export function localFunctionEnvironment(options: LocalEnvironmentOptions): Record<string, string> {
  const values: Record<string, string | undefined> = {
    [ENV.kafkaBrokers]: options.kafkaBrokers,
    [ENV.kafkaAuth]: 'none',
    [ENV.dynamodbEndpoint]: options.dynamodbEndpoint,
    [ENV.resultsTable]: options.tables.results,
    [ENV.idempotencyTable]: options.tables.idempotency,
    [ENV.consumerName]: options.consumerName,
    // The emulator reads partial batch responses, as provisioned-mode mappings do.
    [ENV.reportBatchItemFailures]: options.consumerName === undefined ? undefined : 'true',
  };
  const described = options.handler === undefined ? undefined : FUNCTIONS[options.handler];
  const names = described === undefined ? Object.keys(values) : [...described.environment, ...described.localEnvironment];
  const own = Object.fromEntries(names.flatMap((name) => (values[name] === undefined ? [] : [[name, values[name] as string]])));
  return {
    ...COMMON_ENVIRONMENT,
    ...own,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(described?.memoryMB ?? 1024),
    TZ: 'UTC',
    // The SDK's notice that Node 20 support ends is not the function's business at run time.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: options.functionName,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_NAMESPACE: 'fluxo',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}
