/**
 * The HTTP API's routes, declared once: the CDK stack builds API Gateway resources from them and
 * the local gateway turns requests into API Gateway REST proxy events for the same handlers.
 */

/** Which Lambda serves a route. */
export type RouteHandler = 'producer' | 'results';

/** One route: an API Gateway resource path with `{param}` placeholders. */
export interface Route {
  readonly method: 'GET' | 'POST';
  /** The API Gateway resource, e.g. `/topics/{topic}/records`. */
  readonly resource: string;
  readonly handler: RouteHandler;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', resource: '/topics/{topic}/records', handler: 'producer' },
  { method: 'GET', resource: '/topics', handler: 'producer' },
  { method: 'GET', resource: '/results/{consumer}', handler: 'results' },
  { method: 'GET', resource: '/results/{consumer}/records', handler: 'results' },
  { method: 'GET', resource: '/dlq', handler: 'results' },
];

/**
 * Matches a request path against the routes. Returns the route and its decoded path
 * parameters, or undefined. A path segment matches `{param}` when it is non-empty.
 */
export function matchRoute(method: string, path: string): { route: Route; pathParameters: Record<string, string> } | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const parts = route.resource.split('/').filter((s) => s !== '');
    if (parts.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const ok = parts.every((part, i) => {
      if (part.startsWith('{') && part.endsWith('}')) {
        pathParameters[part.slice(1, -1)] = segments[i];
        return true;
      }
      return part === segments[i];
    });
    if (ok) return { route, pathParameters };
  }
  return undefined;
}
