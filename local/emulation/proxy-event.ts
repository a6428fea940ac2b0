/**
 * The API Gateway REST proxy event of one HTTP request, as API Gateway's Lambda proxy integration
 * builds it: header names as the client spelled them, single- and multi-value headers and query,
 * URL-decoded path parameters, the body as UTF-8 text or base64, and the request context. Pure:
 * the server around it (gateway.ts) reads the request and sends the answer.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Route } from '../../core/api/routes';
import { BadParameterError } from '../../core/errors';

/**
 * Name-value pairs as API Gateway's single-value (last wins) and multi-value maps. Built through
 * Maps so that a name such as `__proto__` becomes an own property like any other.
 */
function collect(pairs: Iterable<[string, string]>): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    single.set(name, value);
    const values = multi.get(name);
    if (values === undefined) multi.set(name, [value]);
    else values.push(value);
  }
  return { single: Object.fromEntries(single), multi: Object.fromEntries(multi) };
}

function queryOf(url: URL): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
  const { single, multi } = collect(url.searchParams);
  return Object.keys(single).length === 0 ? { single: null, multi: null } : { single, multi };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The body as API Gateway passes it: UTF-8 text as is, anything else base64. */
function bodyOf(raw: Buffer): { body: string | null; isBase64Encoded: boolean } {
  if (raw.length === 0) return { body: null, isBase64Encoded: false };
  try {
    return { body: UTF8.decode(raw), isBase64Encoded: false };
  } catch {
    return { body: raw.toString('base64'), isBase64Encoded: true };
  }
}

function decodePathParameters(raw: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch (error) {
      throw new BadParameterError(`path parameter ${name} is not valid percent-encoding`, { cause: error, details: { parameter: name } });
    }
  }
  return decoded;
}

/** Everything {@link toProxyEvent} needs from one HTTP request. */
export interface ProxyRequest {
  readonly method: string;
  readonly url: URL;
  /** Node's `rawHeaders` (name, value, name, value, ...): API Gateway REST keeps header names as the client sent them. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly route: Route;
  readonly pathParameters: Record<string, string>;
  readonly stage: string;
  readonly requestId: string;
  readonly now: number;
}

/** Builds the API Gateway REST proxy event for one request. */
export function toProxyEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) pairs.push([request.rawHeaders[i], request.rawHeaders[i + 1]]);
  const headers = collect(pairs);
  const { single, multi } = queryOf(request.url);
  const { body, isBase64Encoded } = bodyOf(request.body);
  const parameters = decodePathParameters(request.pathParameters);
  const path = request.url.pathname;
  const userAgent = Object.entries(headers.single).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    resource: request.route.resource,
    path,
    httpMethod: request.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: single,
    multiValueQueryStringParameters: multi,
    pathParameters: Object.keys(parameters).length === 0 ? null : parameters,
    stageVariables: null,
    body,
    isBase64Encoded,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      domainName: request.url.host,
      domainPrefix: request.url.hostname,
      extendedRequestId: request.requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${request.stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId: request.requestId,
      requestTime: new Date(request.now).toUTCString(),
      requestTimeEpoch: request.now,
      resourceId: 'local',
      resourcePath: request.route.resource,
      stage: request.stage,
    },
  };
}
