import { matchRoute } from '../../../../core/api/routes';

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
