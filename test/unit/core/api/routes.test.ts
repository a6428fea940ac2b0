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
  });

  it('does not match a wrong method, a missing segment or an extra one', () => {
    expect(matchRoute('GET', '/topics/health/records')).toBeUndefined();
    expect(matchRoute('POST', '/topics//records')).toBeUndefined();
    expect(matchRoute('GET', '/topics/extra')).toBeUndefined();
  });
});

describe('parameters, checked against the route declaration', () => {
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
