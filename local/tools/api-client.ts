/**
 * The one HTTP client of fluxo's API (local or deployed) that the tools share: the CLI, the
 * scenarios' load and verification, and the bench. JSON in and out, `x-api-key` when a key is
 * given, and one clear message for every failure: `<status> (<error_code>): <message>`. GET
 * routes are also called by name ({@link getRoute}), typed from the route table.
 */
import type { Static } from '@sinclair/typebox';
import { API, type RouteName } from '../../core/api/routes';
import { namedError } from '../../core/errors';

/** Where the API is, and what aborts a request. The CLI's context is one. */
export interface ApiTarget {
  /** The API's base URL, without a trailing slash. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** Whether the API is the local stack (its unreachable hint names `npm start`). @default false */
  readonly local?: boolean;
  readonly io?: { readonly signal?: AbortSignal };
}

/** An answer of the API: status, the parsed JSON body (or its text when not JSON), headers. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** The API could not be reached, or answered with an error status ({@link callApi}). */
export class ApiError extends namedError('ApiError') {
  /** The HTTP status; undefined when there was no answer. */
  public readonly status: number | undefined;
  public constructor(message: string, status: number | undefined, options: { cause?: unknown } = {}) {
    super(message, options);
    this.status = status;
  }
}

/** `<status> (<error_code>): <message>` of an error answer, or `HTTP <status>`. */
export function describeApiError(status: number, body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const { error_code: code, message } = body as { error_code?: unknown; message?: unknown };
    if (typeof message === 'string') return `${status}${code === undefined ? '' : ` (${String(code)})`}: ${message}`;
  }
  return `HTTP ${status}`;
}

/** The `Retry-After` of an answer in ms, when it has a valid one. */
export function retryAfterMs(headers: Headers): number | undefined {
  const header = headers.get('retry-after');
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * Sends one request and reads its answer, whatever its status. `body` is sent as JSON (a string
 * as is). Throws an {@link ApiError} only when there is no answer.
 */
export async function apiRequest(
  target: ApiTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Readonly<Record<string, string>> = {},
): Promise<ApiAnswer> {
  const requestHeaders: Record<string, string> = { accept: 'application/json', ...headers };
  if (target.apiKey !== undefined) requestHeaders['x-api-key'] = target.apiKey;
  if (body !== undefined) requestHeaders['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method,
      headers: requestHeaders,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: target.io?.signal,
    });
  } catch (error) {
    throw new ApiError(`cannot reach ${target.url}${target.local === true ? ' (is `npm start` running?)' : ''}`, undefined, {
      cause: error,
    });
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Calls the API. 2xx answers resolve (207 too: the caller reports each record); any other throws an {@link ApiError} with the API's message. */
export async function callApi(target: ApiTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiAnswer> {
  const answer = await apiRequest(target, method, path, body);
  if (answer.status === 403 && target.apiKey === undefined && target.local !== true) {
    throw new ApiError(`${describeApiError(answer.status, answer.body)} (set FLUXO_API_KEY to the stack's API key)`, answer.status);
  }
  if (answer.status < 200 || answer.status >= 300) throw new ApiError(describeApiError(answer.status, answer.body), answer.status);
  return answer;
}

/** The routes that take no request body, by name (operationId). */
export type GetRouteName = { [N in RouteName]: (typeof API)[N]['method'] extends 'GET' ? N : never }[RouteName];
/** What a route answers with 200, typed from its declaration in core/api/routes.ts. */
export type RouteAnswer<N extends RouteName> = Static<(typeof API)[N]['answers'][200]['schema']>;
/** A route's path and query parameters, typed from its declaration (query values as numbers or strings). */
export interface RouteRequest<N extends RouteName> {
  readonly path: Static<(typeof API)[N]['path']>;
  readonly query?: Partial<Static<(typeof API)[N]['query']>>;
}

/** The URL path and query of a route's request: `{param}`s of its resource filled in, undefined query values left out. */
export function routePath<N extends RouteName>(name: N, request: RouteRequest<N>): string {
  const path = API[name].resource.replace(/\{(\w+)\}/g, (_all, param: string) =>
    encodeURIComponent(String((request.path as Record<string, unknown>)[param])),
  );
  const query = new URLSearchParams();
  for (const [param, value] of Object.entries(request.query ?? {})) if (value !== undefined) query.set(param, String(value));
  return query.size === 0 ? path : `${path}?${query.toString()}`;
}

/**
 * Calls one GET route of the API by name, its parameters and its answer typed from the route
 * table (core/api/routes.ts), the one declaration the handlers and the OpenAPI document follow too.
 * Throws an {@link ApiError} as {@link callApi} does.
 */
export async function getRoute<N extends GetRouteName>(target: ApiTarget, name: N, request: RouteRequest<N>): Promise<RouteAnswer<N>> {
  const { body } = await callApi(target, 'GET', routePath(name, request));
  return body as RouteAnswer<N>;
}
