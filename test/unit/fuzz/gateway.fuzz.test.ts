/**
 * Property-based fuzz of the local gateway's request mapping: arbitrary paths (percent-encoding,
 * dots, NUL, unicode) and query strings through route matching and the proxy event builder.
 * Either no route matches, or the path parameter is refused with 400/40003, or the event carries
 * the decoded parameter of a route that exists.
 */
import fc from 'fast-check';
import { BadParameterError } from '../../../core/errors';
import { matchRoute } from '../../../core/api/routes';
import { toProxyEvent } from '../../../local/emulation/proxy-event';

const segment = fc.oneof(
  fc.constantFrom(
    'topics',
    'records',
    'results',
    'dlq',
    'health',
    '..',
    '.',
    '%2F',
    '%2f',
    '%2E%2E',
    '%00',
    '%',
    '%zz',
    '%C3%A9',
    '%FF',
    '%E2%82',
    '%u0041',
    '~',
    '',
  ),
  fc.string({ maxLength: 8 }),
  fc.fullUnicodeString({ maxLength: 4 }).map(encodeURIComponent),
);

const rawPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
const rawQuery = fc
  .array(fc.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })), { maxLength: 3 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

describe('gateway request mapping under arbitrary paths', () => {
  it('matches a route and decodes its parameter, refuses bad percent-encoding with 40003, or matches nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom('GET', 'POST'), rawPath, rawQuery, (method, path, query) => {
        // Prepare
        let url: URL;
        try {
          url = new URL(`http://127.0.0.1${path}?${query}`);
        } catch {
          return; // not a URL an HTTP server could have received
        }
        const matched = matchRoute(method, url.pathname);
        if (matched === undefined) return;

        // Act
        let outcome: unknown;
        try {
          outcome = toProxyEvent({
            method,
            url,
            rawHeaders: [],
            body: Buffer.alloc(0),
            sourceIp: '127.0.0.1',
            route: matched.route,
            pathParameters: matched.pathParameters,
            stage: 'local',
            requestId: 'r',
            now: 0,
          });
        } catch (error) {
          outcome = error;
        }

        // Assess
        if (outcome instanceof BadParameterError) {
          expect(outcome.errorCode).toBe(40003);
          return;
        }
        if (outcome instanceof Error) throw outcome;
        const event = outcome as ReturnType<typeof toProxyEvent>;
        expect(event.resource).toBe(matched.route.resource);
        for (const [name, raw] of Object.entries(matched.pathParameters))
          expect(event.pathParameters?.[name]).toBe(decodeURIComponent(raw));
      }),
      { numRuns: 2000 },
    );
  });
});
