import { BadParameterError } from '../../../../core/errors';
import { API, matchRoute, readParameters } from '../../../../core/api/routes';

describe('route matching', () => {
  it('matches a record post and extracts the topic', () => {
    expect(matchRoute('POST', '/topics/health/records')).toEqual({
      route: expect.objectContaining({ resource: '/topics/{topic}/records', handler: 'producer' }),
      pathParameters: { topic: 'health' },
    });
  });

  it('prefers the longer literal route only when the path has that many segments', () => {
    expect(matchRoute('GET', '/results/ohlc-1m')?.route.resource).toBe('/results/{consumer}');
    expect(matchRoute('GET', '/results/ohlc-1m/records')?.route.resource).toBe('/results/{consumer}/records');
    expect(matchRoute('GET', '/results/hashtags-5m/trending')).toEqual({
      route: expect.objectContaining({ resource: '/results/{consumer}/trending', handler: 'results', operationId: 'getTrending' }),
      pathParameters: { consumer: 'hashtags-5m' },
    });
  });

  it('does not match a wrong method, a missing segment or an extra one', () => {
    expect(matchRoute('GET', '/topics/health/records')).toBeUndefined();
    expect(matchRoute('POST', '/topics//records')).toBeUndefined();
    expect(matchRoute('GET', '/topics/extra')).toBeUndefined();
  });
});

describe('parameters, checked against the route declaration', () => {
  const trending = (query: Record<string, string>) => ({
    pathParameters: { consumer: 'hashtags-5m' },
    queryStringParameters: query,
    headers: {},
  });

  it('reads the trending parameters as whole numbers and at as a time', () => {
    // Act
    const read = readParameters(API.getTrending, trending({ top: '5', baseline: '12', minCount: '1000000', at: '2026-11-29T12:00:30Z' }));

    // Assess
    expect(read.query).toEqual({ top: 5, baseline: 12, minCount: 1_000_000, at: '2026-11-29T12:00:30Z' });
  });

  it.each([
    ['top', '0', 'top must be a whole number from 1 to 1000 (got "0")'],
    ['baseline', '13', 'baseline must be a whole number from 1 to 12 (got "13")'],
    ['minCount', '0', 'minCount must be a whole number from 1 to 1000000 (got "0")'],
    ['at', 'yesterday', 'at must be an ISO 8601 date-time with a zone or epoch milliseconds (got "yesterday")'],
  ])('refuses trending %s=%j with 40003 naming it', (name, value, message) => {
    // Act
    const act = () => readParameters(API.getTrending, trending({ [name]: value }));

    // Assess
    expect(act).toThrow(new BadParameterError(message));
  });

  const ingest = (headers: Record<string, string>) => ({ pathParameters: { topic: 'health' }, queryStringParameters: null, headers });

  it.each([['order-123'], ['a'], ['x'.repeat(255)], ['550e8400-e29b-41d4-a716-446655440000']])(
    'accepts the Idempotency-Key %s, by any header case',
    (key) => {
      // Act
      const read = readParameters(API.produceRecords, ingest({ 'idempotency-key': key }));

      // Assess
      expect(read).toEqual({ path: { topic: 'health' }, query: {}, headers: { 'Idempotency-Key': key } });
    },
  );

  it.each([[''], ['x'.repeat(256)], ['with space'], ['não-ascii']])('refuses the Idempotency-Key %j with 40003', (key) => {
    // Act
    const act = () => readParameters(API.produceRecords, ingest({ 'Idempotency-Key': key }));

    // Assess
    expect(act).toThrow(BadParameterError);
    expect(act).toThrow('Idempotency-Key must be 1 to 255 visible ASCII characters');
  });

  it('reads whole numbers as numbers and counts characters, not UTF-16 units', () => {
    // Act
    const read = readParameters(API.getAggregates, {
      pathParameters: { consumer: 'c' },
      queryStringParameters: { limit: '7', top: '3', key: '🙂'.repeat(512) },
      headers: null,
    });

    // Assess
    expect(read.query).toEqual({ limit: 7, top: 3, key: '🙂'.repeat(512) });
  });
});
