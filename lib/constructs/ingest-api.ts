import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ROUTES, type RouteHandler } from '../../core/api/routes';
import { managedPolicyFinding, monthlyLogGroup, skipCheckov } from '../nag';

/** The API key's usage plan: steady-state requests per second, burst capacity in requests, requests per day. */
const LIMITS = { rateLimit: 50, burstLimit: 100, dailyQuota: 100_000 };

/** Properties of {@link IngestApi}. */
export interface IngestApiProps {
  /** What happens to the access log group when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/** The path parameters of an API Gateway resource path, e.g. `['topic']` for `/topics/{topic}/records`. */
export function pathParameters(resource: string): string[] {
  return [...resource.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

/**
 * fluxo's HTTP API on API Gateway (REST): the routes of `core/api/routes.ts` (those not
 * local-only), every method behind an API key with a usage plan (throttling and a daily quota),
 * JSON access logs, execution logs and X-Ray tracing on the stage, path parameters validated
 * by API Gateway. Answers that API Gateway itself gives (bad API key, throttled, quota exceeded) keep fluxo's
 * error shape `{error_code, message}`.
 */
export class IngestApi extends Construct {
  /** The REST API. */
  public readonly api: apigw.RestApi;
  /** The API key clients send as `x-api-key`. */
  public readonly apiKey: apigw.IApiKey;
  private readonly validator: apigw.RequestValidator;

  public constructor(scope: Construct, id: string, props: IngestApiProps = {}) {
    super(scope, id);
    const accessLogs = monthlyLogGroup(this, 'AccessLogs', { removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY });
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'fluxo: POST /topics/{topic}/records, GET /topics, GET /results/{consumer}',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Execution logs need the account-level API Gateway CloudWatch role (AWS::ApiGateway::Account),
      // which every REST API in the account and Region shares. Retained in every stage, so that
      // `cdk destroy` cannot delete the role other APIs log through: "When you delete a stack
      // containing this resource, API Gateway can still assume the provided IAM role" (AWS
      // CloudFormation, "AWS::ApiGateway::Account",
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html;
      // aws-cdk-lib aws-apigateway README, `cloudWatchRoleRemovalPolicy`, default RETAIN).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        tracingEnabled: true,
        // Stage-wide default throttling, below the usage plan's per-key limit.
        throttlingRateLimit: LIMITS.rateLimit,
        throttlingBurstLimit: LIMITS.burstLimit,
      },
      defaultMethodOptions: { apiKeyRequired: true },
    });
    // Body validation applies only to methods with a model, and fluxo's producer checks bodies itself
    // to answer with its own error codes; API Gateway rejects requests missing a path parameter.
    this.validator = this.api.addRequestValidator('Validator', { validateRequestParameters: true, validateRequestBody: true });
    this.apiKey = this.api.addApiKey('Key', { description: 'fluxo API key (sandbox)' });
    const plan = this.api.addUsagePlan('Plan', {
      description: 'fluxo: per-key throttling and daily quota',
      throttle: { rateLimit: LIMITS.rateLimit, burstLimit: LIMITS.burstLimit },
      quota: { limit: LIMITS.dailyQuota, period: apigw.Period.DAY },
    });
    plan.addApiKey(this.apiKey);
    plan.addApiStage({ stage: this.api.deploymentStage });
    const gatewayResponses = [
      ['Throttled', apigw.ResponseType.THROTTLED, '429', 42901, 'too many requests: slow down and retry'],
      ['ApiKeyInvalid', apigw.ResponseType.INVALID_API_KEY, '403', 40301, 'missing or invalid API key: send it as the x-api-key header'],
      ['QuotaExceeded', apigw.ResponseType.QUOTA_EXCEEDED, '429', 42902, 'daily request quota exceeded'],
    ] as const;
    for (const [responseId, type, statusCode, errorCode, message] of gatewayResponses) {
      const templates = { 'application/json': JSON.stringify({ error_code: errorCode, message }) };
      this.api.addGatewayResponse(responseId, { type, statusCode, templates });
    }
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason: 'Sandbox API protected by API key, usage plan throttling and quota; WAF adds a monthly charge per web ACL.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason: 'Authenticated by API key (the course exercise uses curl with x-api-key); no user identities to authorize.',
      },
      { id: 'AwsSolutions-COG4', reason: 'Authenticated by API key; there is no Cognito user pool in fluxo.' },
      {
        id: managedPolicyFinding('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        reason: 'AmazonAPIGatewayPushToCloudWatchLogs is the documented policy of the account-level API Gateway logging role.',
      },
    );
    skipCheckov(this.api.deploymentStage, {
      id: 'CKV_AWS_120',
      comment: 'No stage cache: ingest is POST-only and results must show the latest aggregates; a cache cluster is also billed per hour.',
    });
  }

  /** Adds every (non local-only) route served by `handler`, integrated with `fn` (Lambda proxy). */
  public addRoutes(handler: RouteHandler, fn: lambda.IFunction): void {
    const integration = new apigw.LambdaIntegration(fn);
    for (const route of ROUTES.filter((r) => r.handler === handler)) {
      const resource = this.api.root.resourceForPath(route.resource);
      resource.addMethod(route.method, integration, {
        apiKeyRequired: true,
        requestValidator: this.validator,
        requestParameters: Object.fromEntries(pathParameters(route.resource).map((p) => [`method.request.path.${p}`, true])),
      });
    }
  }
}
