/**
 * The local HTTP gateway: what API Gateway (REST API, Lambda proxy integration) does for fluxo's
 * routes, on 127.0.0.1. Each request becomes an API Gateway REST proxy event for the handler its
 * route names (core/api/routes.ts), and the handler's answer becomes the HTTP response.
 * The event itself is built by proxy-event.ts. Limits follow API Gateway: a 10 MB payload at most;
 * an unknown path is a 404, a known path with another method (e.g. TRACE on `/health`) a 405 with `Allow`. `GET /health` (local only) reports whether Kafka and DynamoDB answer.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PayloadTooLargeError, RouteNotFoundError, errorBody, BadParameterError, namedError } from '../../core/errors';
import { ROUTES, matchRoute, type RouteHandler } from '../../core/api/routes';
import { toProxyEvent } from './proxy-event';
import type { Invoker } from './runtime/local-function';

/** API Gateway's payload limit: 10 MB. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * API Gateway's default integration timeout for REST APIs: 29 s. Past it API Gateway answers
 * HTTP 504 `{"message": "Endpoint request timed out"}` while the Lambda invocation runs on to its
 * own timeout ("How do I troubleshoot HTTP 504 errors from API Gateway?", AWS Knowledge Center,
 * https://repost.aws/knowledge-center/api-gateway-504-errors; "Amazon API Gateway integration
 * timeout limit increase beyond 29 seconds",
 * https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/).
 */
export const INTEGRATION_TIMEOUT_MS = 29_000;

/** What `GET /health` reports. */
export interface HealthReport {
  readonly ok: boolean;
  readonly [dependency: string]: unknown;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** The function serving each route handler. */
  readonly functions: Readonly<Record<RouteHandler, Invoker>>;
  /** TCP port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /**
   * How long the gateway waits for the function before it answers 504 `Endpoint request timed
   * out`, ms; the invocation goes on. @default {@link INTEGRATION_TIMEOUT_MS}
   */
  readonly integrationTimeoutMs?: number | (() => number);
  /** Largest request body, bytes. @default {@link MAX_PAYLOAD_BYTES} */
  readonly maxPayloadBytes?: number;
  /** Answers `GET /health`. @default always ok */
  readonly health?: () => Promise<HealthReport>;
  /** Local-only routes served before the API's (e.g. `/openapi.json`, the dashboard). @default none */
  readonly localRoutes?: readonly LocalRoute[];
  /** Called once per request with its outcome (for a request log). */
  readonly onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

/**
 * A route only the local gateway serves, answered by its own handler instead of a Lambda proxy
 * event. `path` matches the request path exactly.
 */
export interface LocalRoute {
  readonly method: 'GET';
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

/** A running gateway. */
export interface Gateway {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops accepting requests, lets those in flight finish, then closes. */
  close(): Promise<void>;
}

/** The gateway could not start (e.g. the port is taken). */
export class GatewayStartError extends namedError('GatewayStartError') {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = new PayloadTooLargeError(`request body exceeds ${limit} bytes, the API Gateway limit`);
  if (Number(req.headers['content-length'] ?? '0') > limit) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw tooLarge;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  return typeof result.statusCode === 'number' && (result.body === undefined || typeof result.body === 'string');
}

function send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(body));
}

/** Writes a handler's proxy result as the HTTP response, as API Gateway does. */
function sendResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers: Record<string, string | string[]> = { 'x-amzn-RequestId': requestId };
  for (const [name, value] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = value.map(String);
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const text = result.body ?? '';
  send(res, result.statusCode, headers, result.isBase64Encoded ? Buffer.from(text, 'base64') : text);
}

/**
 * Node's HTTP parser refused the request (bad request line, method or header, conflicting
 * lengths, bad chunks, headers over the limit): answer in fluxo's error shape rather than with
 * Node's bare 400 or 431, unless the connection is already gone.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const fluxoError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new PayloadTooLargeError('the request headers are larger than the gateway accepts')
      : new BadParameterError(`the request is not valid HTTP/1.1 (${error.code ?? 'unreadable'})`);
  const body = JSON.stringify(errorBody(fluxoError));
  socket.end(
    `HTTP/1.1 ${fluxoError.status} ${STATUS_CODES[fluxoError.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The methods a path takes: its API routes' and its local routes' (`/health` included). */
function allowedMethods(path: string, localRoutes: readonly LocalRoute[]): string[] {
  const methods = new Set([...ROUTES.map((r) => r.method), 'GET']);
  return [...methods].filter((m) => matchRoute(m, path) !== undefined || localRoutes.some((r) => r.method === m && r.path === path));
}

/** Starts the gateway; resolves once it listens. */
export async function startGateway({
  functions,
  port = 3000,
  maxPayloadBytes = MAX_PAYLOAD_BYTES,
  integrationTimeoutMs = INTEGRATION_TIMEOUT_MS,
  health = async () => ({ ok: true }),
  localRoutes = [],
  onRequest,
}: GatewayOptions): Promise<Gateway> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be 0..65535 (got ${port})`);
  const host = '127.0.0.1';
  const answerHealth: LocalRoute['handle'] = (_req, res) => health().then((report) => sendJson(res, report.ok ? 200 : 503, report));
  const routes: readonly LocalRoute[] = [{ method: 'GET', path: '/health', handle: answerHealth }, ...localRoutes];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${host}:${port}`}`);
    } catch (error) {
      const details = { header: 'Host' };
      sendJson(res, 400, errorBody(new BadParameterError('the request-target or the Host header is not valid', { cause: error, details })));
      req.resume();
      return;
    }
    const local = routes.find((r) => r.method === method && r.path === url.pathname);
    if (local !== undefined) {
      await local.handle(req, res, url);
      return;
    }
    const matched = matchRoute(method, url.pathname);
    if (matched === undefined) {
      const allow = allowedMethods(url.pathname, routes).join(', ');
      const message = `method ${method} is not allowed on ${url.pathname}; use ${allow}`;
      if (allow === '') sendJson(res, 404, errorBody(new RouteNotFoundError(method, url.pathname)));
      else sendJson(res, 405, { error_code: 40501, message }, { Allow: allow });
      req.resume();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxPayloadBytes);
    } catch (error) {
      // A body Node's parser cannot read (e.g. a malformed chunk) is answered by answerClientError.
      if (!(error instanceof PayloadTooLargeError)) return;
      res.setHeader('Connection', 'close');
      sendJson(res, 413, errorBody(error));
      req.resume();
      return;
    }
    let event: APIGatewayProxyEvent;
    try {
      event = toProxyEvent({
        method,
        url,
        rawHeaders: req.rawHeaders,
        body,
        requestId,
        stage: 'local',
        now: Date.now(),
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        route: matched.route,
        pathParameters: matched.pathParameters,
      });
    } catch (error) {
      if (!(error instanceof BadParameterError)) throw error;
      sendJson(res, 400, errorBody(error));
      return;
    }
    const timeout = new AbortController();
    const timeoutMs = typeof integrationTimeoutMs === 'function' ? integrationTimeoutMs() : integrationTimeoutMs;
    const outcome = await Promise.race([
      functions[matched.route.handler].invoke(event),
      sleep(timeoutMs, 'integration timeout' as const, { signal: timeout.signal }),
    ]).finally(() => timeout.abort());
    // API Gateway's answers when the integration fails or times out.
    const fail = (status: 502 | 504, errorType?: string): void =>
      sendJson(
        res,
        status,
        { message: status === 504 ? 'Endpoint request timed out' : 'Internal server error' },
        { 'x-amzn-RequestId': requestId, ...(errorType === undefined ? {} : { 'x-amzn-ErrorType': errorType }) },
      );
    // On an integration timeout the invocation goes on, as on AWS; only the client stops waiting for it.
    if (outcome === 'integration timeout') fail(504, 'IntegrationTimeout');
    else if (!outcome.ok) fail(outcome.kind === 'timeout' ? 504 : 502, outcome.kind === 'timeout' ? undefined : outcome.error.errorType);
    else if (!isProxyResult(outcome.payload)) fail(502, 'MalformedProxyResponse');
    else sendResult(res, outcome.payload, requestId);
  }

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () =>
      onRequest?.({ method: req.method ?? '', path: req.url ?? '', status: res.statusCode, ms: Date.now() - started }),
    );
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' });
      else res.destroy();
    });
  });
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new GatewayStartError(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve());
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
