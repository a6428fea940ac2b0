/**
 * Reading API Gateway REST proxy events and shaping their answers, shared by the producer and
 * results handlers (and so by the local gateway, which invokes them). Only types come from
 * `aws-lambda`; nothing here does I/O.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { RouteNotFoundError, toHttpError } from '../errors';

/** A request header's value, by case-insensitive name (single- or multi-value form); undefined when absent. */
export function requestHeader(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  for (const [key, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && values !== undefined && values.length > 0) return values[0];
  }
  return undefined;
}

/** A query string parameter; undefined when absent. */
export function queryParameter(event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>, name: string): string | undefined {
  return event.queryStringParameters?.[name] ?? undefined;
}

/** `"<METHOD> <resource>"`, e.g. `POST /topics/{topic}/records`: how handlers route. */
export function routeKey(event: Pick<APIGatewayProxyEvent, 'httpMethod' | 'resource'>): string {
  return `${event.httpMethod.toUpperCase()} ${event.resource}`;
}

/** A JSON answer. */
export function jsonAnswer(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The answer for anything thrown: status, `Retry-After` on 503 and `{error_code, message, details?}`. */
export function errorAnswer(error: unknown): APIGatewayProxyResult {
  const { status, headers, body } = toHttpError(error);
  return jsonAnswer(status, body, headers);
}

/** A handler's routes, by `"<METHOD> <resource>"` (see {@link routeKey}). */
export type RouteTable<C> = Readonly<Record<string, (event: APIGatewayProxyEvent, context: C) => APIGatewayProxyResult | Promise<APIGatewayProxyResult>>>;

/**
 * Answers an event from its route: an unknown route is 404, and anything thrown becomes its
 * documented error answer. `onServerError` hears of every 5xx (handlers log them).
 */
export async function answerRoute<C>(
  event: APIGatewayProxyEvent,
  context: C,
  routes: RouteTable<C>,
  onServerError: (route: string, error: unknown) => void,
): Promise<APIGatewayProxyResult> {
  const route = routeKey(event);
  try {
    const serve = Object.hasOwn(routes, route) ? routes[route] : undefined;
    if (serve === undefined) throw new RouteNotFoundError(event.httpMethod, event.path);
    return await serve(event, context);
  } catch (error) {
    const answer = errorAnswer(error);
    if (answer.statusCode >= 500) onServerError(route, error);
    return answer;
  }
}
