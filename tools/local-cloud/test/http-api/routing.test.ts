import { describe, expect, it } from '@jest/globals';
import { matchRoute, parseRouteKey, RouteKeyError, selectStage } from '../../src/http-api/routing';

const routes = [
  'GET /orders',
  'POST /orders',
  'GET /orders/{orderId}',
  'GET /orders/latest',
  'ANY /orders/{orderId}',
  'GET /files/{path+}',
  '$default',
].map((text) => ({ key: parseRouteKey(text, text) }));

function routeFor(method: string, path: string) {
  return matchRoute(routes, method, path);
}

describe('parseRouteKey', () => {
  it('reads the method and the literal, variable and greedy segments', () => {
    expect(parseRouteKey('GET /files/{path+}', 'r')).toEqual({
      kind: 'route',
      text: 'GET /files/{path+}',
      method: 'GET',
      segments: [
        { kind: 'literal', value: 'files' },
        { kind: 'greedy', name: 'path' },
      ],
    });
  });

  it.each([['get /orders'], ['GET orders'], ['FETCH /orders'], ['GET /{proxy+}/more']])(
    'fails with the route named for %s',
    (text) => {
      expect(() => parseRouteKey(text, 'Stack/Route')).toThrow(RouteKeyError);
      expect(() => parseRouteKey(text, 'Stack/Route')).toThrow(/Stack\/Route/);
    },
  );
});

describe('matchRoute', () => {
  it('prefers a literal segment to a variable', () => {
    expect(routeFor('GET', '/orders/latest')?.route.key.text).toBe('GET /orders/latest');
  });

  it('prefers the method to ANY and decodes path parameters', () => {
    const match = routeFor('GET', '/orders/o%2D1');
    expect(match?.route.key.text).toBe('GET /orders/{orderId}');
    expect(match?.pathParameters).toEqual({ orderId: 'o-1' });
  });

  it('takes ANY for another method', () => {
    expect(routeFor('DELETE', '/orders/o-1')?.route.key.text).toBe('ANY /orders/{orderId}');
  });

  it('gives a greedy variable the rest of the path', () => {
    expect(routeFor('GET', '/files/a/b/c.txt')?.pathParameters).toEqual({ path: 'a/b/c.txt' });
  });

  it('falls back to $default when nothing else matches', () => {
    expect(routeFor('PUT', '/orders')?.route.key.text).toBe('$default');
    expect(routeFor('GET', '/files')?.route.key.text).toBe('$default');
  });

  it('fails to match without $default: API Gateway answers 404', () => {
    const noDefault = routes.filter((r) => r.key.kind !== 'default');
    expect(matchRoute(noDefault, 'GET', '/unknown')).toBeUndefined();
    expect(matchRoute(noDefault, 'GET', '/Orders')).toBeUndefined();
    expect(matchRoute(noDefault, 'GET', '/orders/')).toBeUndefined();
  });
});

describe('selectStage', () => {
  const stages = [{ name: '$default' }, { name: 'prod' }];

  it('serves a named stage below its name and everything else from $default', () => {
    expect(selectStage(stages, '/prod/orders')).toEqual({ stage: { name: 'prod' }, routePath: '/orders' });
    expect(selectStage(stages, '/production/orders')).toEqual({
      stage: { name: '$default' },
      routePath: '/production/orders',
    });
  });

  it('fails to select a stage for a path outside the only named one', () => {
    expect(selectStage([{ name: 'prod' }], '/orders')).toBeUndefined();
  });
});
