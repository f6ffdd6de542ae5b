import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { matchRoute, noRouteMessage, readIngressRoutes } from '../src/index.ts';

const manifest = fileURLToPath(new URL('../../../k8s/base/ingress/ingress.yaml', import.meta.url));
const routes = readIngressRoutes(manifest);

describe('readIngressRoutes', () => {
  it("reads the Ingress that kustomize deploys: myshop.com's three prefixes", () => {
    expect(routes.map(({ host, path, pathType, service, port }) => `${host}${path} ${pathType} → ${service}:${port}`).sort()).toEqual([
      'myshop.com/cart Prefix → cart-service:80',
      'myshop.com/payment Prefix → payment-service:80',
      'myshop.com/user Prefix → user-service:80',
    ]);
  });
});

describe('matchRoute', () => {
  it.each([
    ['myshop.com', '/user/me', 'user-service'],
    ['myshop.com:8080', '/cart', 'cart-service'],
    ['MyShop.com', '/cart/items/3?x=1', 'cart-service'],
    ['myshop.com', '/payment/charges', 'payment-service'],
    ['myshop.com', '/user/', 'user-service'],
    // A fully qualified name: nginx drops the trailing dot before it picks a server.
    ['myshop.com.', '/cart/products', 'cart-service'],
    ['myshop.com.:8080', '/cart/products', 'cart-service'],
    // nginx ignores whatever follows the colon, a port or not.
    ['myshop.com:', '/cart/products', 'cart-service'],
    ['myshop.com:abc', '/cart/products', 'cart-service'],
    // nginx picks the location by the path decoded, its slashes merged and dot segments resolved
    // (and passes the path on as sent): the service, not the edge, answers these.
    ['myshop.com', '/%63art/products', 'cart-service'],
    ['myshop.com', '//cart/products', 'cart-service'],
    ['myshop.com', '/x/../cart/products?limit=1', 'cart-service'],
    ['myshop.com', '/cart%2Fproducts', 'cart-service'],
    ['myshop.com', '/user/%2e%2e/cart/./x', 'cart-service'],
    // nginx ends the path at a `#` (a fragment, sent though no client should), not at an encoded one.
    ['myshop.com', '/cart/products#/../../livez', 'cart-service'],
    ['myshop.com', '/livez%23/../cart', 'cart-service'],
  ])('routes host %s path %s to %s', (host, path, service) => {
    expect(matchRoute(routes, host, path)?.service).toBe(service);
  });

  it.each([
    ['other.com', '/user/me'],
    [undefined, '/user/me'],
    // Names nginx refuses with 400 before it picks a server.
    ['', '/user/me'],
    [':80', '/user/me'],
    ['myshop..com', '/user/me'],
    ['myshop.com', '/users'],
    ['myshop.com', '/'],
    ['myshop.com', '/livez'],
    ['myshop.com', '/cart/%2e%2e'],
    ['myshop.com', '/cart/../livez'],
    ['myshop.com', '/../cart/products'],
    // The services' probes, which the Ingress never serves, behind a fragment that climbs back into a prefix.
    ['myshop.com', '/readyz#/../cart'],
    ['myshop.com', '/livez#/../user'],
  ])('has no route for host %s path %s', (host, path) => {
    expect(matchRoute(routes, host, path)).toBeUndefined();
  });

  it('prefers Exact over Prefix and the longest prefix', () => {
    const custom = [
      { host: 'a.com', path: '/api', pathType: 'Prefix' as const, service: 'short', port: 80 },
      { host: 'a.com', path: '/api/v2', pathType: 'Prefix' as const, service: 'long', port: 80 },
      { host: 'a.com', path: '/api/v2/health', pathType: 'Exact' as const, service: 'exact', port: 80 },
    ];
    expect(matchRoute(custom, 'a.com', '/api/v2/x')?.service).toBe('long');
    expect(matchRoute(custom, 'a.com', '/api/v1')?.service).toBe('short');
    expect(matchRoute(custom, 'a.com', '/api/v2/health')?.service).toBe('exact');
    expect(matchRoute(custom, 'a.com', '/api/v2/health/x')?.service).toBe('long');
  });
});

describe('noRouteMessage', () => {
  it('names the host that serves the path, with the curl that reaches it', () => {
    expect(noRouteMessage(routes, 'localhost:8080', '/cart/products?limit=2')).toBe(
      'No Ingress rule for host localhost:8080 and path /cart/products; the Ingress serves it for host myshop.com ' +
        '(curl --resolve myshop.com:8080:127.0.0.1 http://myshop.com:8080/cart/products)',
    );
  });

  it('says only that nothing matched when no host serves the path', () => {
    expect(noRouteMessage(routes, 'myshop.com:8080', '/nope')).toBe('No Ingress rule for host myshop.com:8080 and path /nope');
    expect(noRouteMessage(routes, undefined, '/')).toBe('No Ingress rule for host (none) and path /');
    expect(noRouteMessage(routes, 'localhost', '/cart', 'HTTPRoute')).toBe(
      'No HTTPRoute rule for host localhost and path /cart; the HTTPRoute serves it for host myshop.com (curl http://myshop.com/cart)',
    );
  });
});
