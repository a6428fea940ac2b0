/**
 * Reading API Gateway REST proxy events and shaping their answers, shared by the producer and
 * results handlers (and so by the local gateway, which invokes them). Only types come from
 * `aws-lambda`; nothing here does I/O.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { RouteNotFoundError, toHttpError } from '../errors';
import { API, readParameters, type Route, type RouteHandler, type RouteName, type RouteParameters } from './routes';

/** A request header's value, by case-insensitive name (single- or multi-value form); undefined when absent. */
export function requestHeader(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const values = [
    ...Object.entries(event.headers ?? {}),
    ...Object.entries(event.multiValueHeaders ?? {}).map(([key, v]): [string, string | undefined] => [key, v?.[0]]),
  ];
  return values.find(([key, value]) => key.toLowerCase() === wanted && value !== undefined)?.[1];
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

/** How a handler serves each of its routes (routes.ts), by route name: with the route's checked parameters. */
export type RouteImplementations<H extends RouteHandler, C> = {
  readonly [K in RouteName as (typeof API)[K]['handler'] extends H ? K : never]: (
    parameters: RouteParameters<(typeof API)[K]>,
    event: APIGatewayProxyEvent,
    context: C,
  ) => APIGatewayProxyResult | Promise<APIGatewayProxyResult>;
};

/**
 * Answers an event from its route: an unknown route is 404, a bad parameter 400/40003 (as the
 * route declares it), and anything thrown becomes its documented error answer. `onServerError`
 * hears of every 5xx (handlers log them).
 */
export async function answerRoute<H extends RouteHandler, C>(
  event: APIGatewayProxyEvent,
  context: C,
  implementations: RouteImplementations<H, C>,
  onServerError: (route: string, error: unknown) => void,
): Promise<APIGatewayProxyResult> {
  const method = event.httpMethod.toUpperCase();
  const name = (Object.keys(implementations) as (keyof RouteImplementations<H, C> & RouteName)[]).find(
    (n) => API[n].method === method && API[n].resource === event.resource,
  );
  try {
    if (name === undefined) throw new RouteNotFoundError(event.httpMethod, event.path);
    const serve = implementations[name] as (
      parameters: RouteParameters<Route>,
      event: APIGatewayProxyEvent,
      context: C,
    ) => APIGatewayProxyResult | Promise<APIGatewayProxyResult>;
    return await serve(readParameters(API[name], event), event, context);
  } catch (error) {
    const answer = errorAnswer(error);
    if (answer.statusCode >= 500) onServerError(`${method} ${event.resource}`, error);
    return answer;
  }
}
