import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { matchRoute, readHttpRouteRoutes, readIngressRoutes, readRoutes, ROUTE_FILES } from '../src/index.ts';

const root = resolve(import.meta.dirname, '../../..');
const summary = (routes: ReturnType<typeof readIngressRoutes>) =>
  routes.map(({ host, path, pathType, service, port }) => `${host}${path} ${pathType} → ${service}:${port}`).sort();

function manifest(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'httproute-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'httproute.yaml');
  writeFileSync(file, text);
  return file;
}

describe('readHttpRouteRoutes', () => {
  it("reads the Gateway API component's HTTPRoute as the same routes as the Ingress", () => {
    const fromHttpRoute = readHttpRouteRoutes(join(root, ROUTE_FILES['gateway-api']));
    expect(summary(fromHttpRoute)).toEqual(summary(readIngressRoutes(join(root, ROUTE_FILES.ingress))));
    expect(matchRoute(fromHttpRoute, 'myshop.com:8080', '/cart/products')?.service).toBe('cart-service');
    expect(matchRoute(fromHttpRoute, 'myshop.com', '/carts')).toBeUndefined();
  });

  it('reads Exact matches, and no hostnames as any host', () => {
    const file = manifest(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: x }
spec:
  rules:
    - matches: [{ path: { type: Exact, value: /livez } }]
      backendRefs: [{ name: a-service, port: 8080 }]
`);
    expect(summary(readHttpRouteRoutes(file))).toEqual(['*/livez Exact → a-service:8080']);
  });

  it.each([
    [
      'a regular expression',
      '- matches: [{ path: { type: RegularExpression, value: /c.* } }]\n      backendRefs: [{ name: a, port: 80 }]',
      'path type RegularExpression',
    ],
    [
      'a header match',
      '- matches: [{ path: { type: PathPrefix, value: /c }, headers: [{ name: x, value: y }] }]\n      backendRefs: [{ name: a, port: 80 }]',
      'matches on headers',
    ],
    [
      'two backends',
      '- matches: [{ path: { type: PathPrefix, value: /c } }]\n      backendRefs: [{ name: a, port: 80 }, { name: b, port: 80 }]',
      '2 backendRefs',
    ],
  ])('refuses %s, naming the file and what the local gateway cannot do', (_what, rule, message) => {
    const file = manifest(`kind: HTTPRoute\nmetadata: { name: x }\nspec:\n  rules:\n    ${rule}\n`);
    expect(() => readHttpRouteRoutes(file)).toThrow(`${file}: HTTPRoute x rule 1: ${message}`);
  });
});

describe('readRoutes', () => {
  it('routes by the Ingress unless told to route by the Gateway API component', () => {
    expect(summary(readRoutes(root))).toEqual(summary(readIngressRoutes(join(root, 'k8s/base/ingress/ingress.yaml'))));
    expect(summary(readRoutes(root, 'gateway-api'))).toEqual(summary(readRoutes(root, 'ingress')));
  });
});
