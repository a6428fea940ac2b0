/**
 * The CLI's HTTP client of fluxo's API (local or deployed): JSON in and out, `x-api-key` from
 * `FLUXO_API_KEY`, and one clear error line for every failure.
 */
import { CliError } from './errors';
import type { CliContext } from './context';

/** An answer of the API. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

function describeError(status: number, body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const { error_code: code, message } = body as { error_code?: unknown; message?: unknown };
    if (typeof message === 'string') return `${status}${code === undefined ? '' : ` (${String(code)})`}: ${message}`;
  }
  return `HTTP ${status}`;
}

/** Calls the API. 2xx answers resolve; any other throws a {@link CliError} with the API's message. */
export async function callApi(context: CliContext, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const requestHeaders: Record<string, string> = { accept: 'application/json', ...headers };
  if (context.apiKey !== undefined) requestHeaders['x-api-key'] = context.apiKey;
  if (body !== undefined) requestHeaders['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${context.url}${path}`, { method, headers: requestHeaders, body: body === undefined ? undefined : JSON.stringify(body), signal: context.io.signal });
  } catch (error) {
    const hint = context.local ? ' (is `npm start` running?)' : '';
    throw new CliError(`cannot reach ${context.url}${hint}`, { cause: error });
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  if (response.status === 403 && context.apiKey === undefined && !context.local) {
    throw new CliError(`${describeError(response.status, parsed)} (set FLUXO_API_KEY to the stack's API key)`);
  }
  if (response.status < 200 || response.status >= 300) {
    // 207 is a 2xx: the caller reports each record's result.
    throw new CliError(describeError(response.status, parsed));
  }
  return { status: response.status, body: parsed };
}
