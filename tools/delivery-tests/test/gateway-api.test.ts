import { readFileSync } from 'node:fs';
import { type K8sObject, render, repoPath, services } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kustomizations, renderWithComponents } from '../src/kustomizations.ts';
import { allows, outsiders, podsOf } from '../src/network.ts';
import { httpRouteRoutes, ingressRoutes } from '../src/routes.ts';
import { schemaProblems } from '../src/validate.ts';
import { byKind, find } from '../src/workloads.ts';

const COMPONENT = 'k8s/components/gateway-api';
const HTTP = 5000;
const METRICS = 9464;
const { environments } = kustomizations();

interface Listener {
  name: string;
  protocol: string;
  port: number;
  hostname?: string;
  allowedRoutes?: { namespaces?: { from?: string } };
}

const namespaceOf = (environment: string) => render(environment).find((object) => object.kind === 'Namespace')!.metadata.name;
const rendered = new Map<string, K8sObject[]>();
const withGateway = (environment: string): K8sObject[] => {
  if (!rendered.has(environment)) rendered.set(environment, renderWithComponents(environment, [COMPONENT], namespaceOf(environment)));
  return rendered.get(environment)!;
};

describe.each(environments)('%s with components/gateway-api', (environment) => {
  const objects = withGateway(environment);
  const gateways = byKind(objects, 'Gateway');
  const routes = byKind(objects, 'HTTPRoute');

  it('routes exactly as the Ingress does: hosts, path prefixes, Services and ports', () => {
    const viaIngress = ingressRoutes(objects);
    expect(viaIngress.length).toBe(services().length);
    expect(httpRouteRoutes(objects)).toEqual(viaIngress);
  });

  it('attaches the HTTPRoute to an HTTP listener of its Gateway, for the same host, in the same namespace', () => {
    expect(gateways).toHaveLength(1);
    expect(routes).toHaveLength(1);
    const gateway = gateways[0]!;
    const route = routes[0]!;
    expect(gateway.metadata.namespace).toBe(namespaceOf(environment));
    expect(route.metadata.namespace).toBe(gateway.metadata.namespace);
    const listeners = (gateway.spec as { listeners: Listener[] }).listeners;
    const spec = route.spec as {
      parentRefs: Array<{ name: string; sectionName?: string; namespace?: string; kind?: string }>;
      hostnames: string[];
    };
    for (const parent of spec.parentRefs) {
      expect(parent.kind ?? 'Gateway').toBe('Gateway');
      expect(parent.name).toBe(gateway.metadata.name);
      expect(parent.namespace ?? route.metadata.namespace).toBe(gateway.metadata.namespace);
      const listener = listeners.find((candidate) => candidate.name === parent.sectionName)!;
      expect(listener, parent.sectionName).toBeDefined();
      expect(listener).toMatchObject({ protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } });
      expect(spec.hostnames).toEqual([listener.hostname]);
    }
  });

  it('sends every backendRef to a Service of the environment, on a port it has', () => {
    for (const { service, port } of httpRouteRoutes(objects)) {
      const found = find(objects, 'Service', service);
      expect(found, service).toBeDefined();
      expect(
        (found!.spec as { ports: Array<{ port: number }> }).ports.map((candidate) => candidate.port),
        service,
      ).toContain(port);
    }
  });

  it('is valid for the Gateway API schemas (generated from its CRDs)', async () => {
    const problems = (await Promise.all([...gateways, ...routes].map((object) => schemaProblems(object)))).flat();
    expect(problems).toEqual([]);
  });

  it("lets the controller's proxies reach every service on http, never on metrics", () => {
    const pods = podsOf(objects);
    for (const service of services()) {
      expect(allows(objects, outsiders.gatewayProxy, pods.get(service)!, HTTP), service).toBe(true);
      expect(allows(objects, outsiders.gatewayProxy, pods.get(service)!, METRICS), service).toBe(false);
    }
    // Only this Gateway's proxies: another Gateway's proxy in the same namespace stays out.
    const otherProxy = {
      ...outsiders.gatewayProxy,
      labels: { ...outsiders.gatewayProxy.labels, 'gateway.envoyproxy.io/owning-gateway-name': 'other' },
    };
    expect(allows(objects, otherProxy, pods.get('cart')!, HTTP)).toBe(false);
  });
});

describe('components/gateway-api', () => {
  it('is not deployed unless asked: the environments serve through the Ingress, and keep proxies out', () => {
    for (const environment of environments) {
      const objects = render(environment);
      expect(byKind(objects, 'Ingress'), environment).toHaveLength(1);
      expect(
        objects.filter((object) => object.apiVersion.startsWith('gateway.networking.k8s.io/')),
        environment,
      ).toEqual([]);
      const pods = podsOf(objects);
      expect(allows(objects, outsiders.gatewayProxy, pods.get('cart')!, HTTP), environment).toBe(false);
    }
  });

  it('a route that differs from the Ingress is caught: another prefix, another port', () => {
    const objects = withGateway('k8s/overlays/dev');
    const changed = objects.map((object) => {
      if (object.kind !== 'HTTPRoute') return object;
      const copy = structuredClone(object) as K8sObject & {
        spec: { rules: Array<{ matches: Array<{ path: { value: string } }>; backendRefs: Array<{ port: number }> }> };
      };
      copy.spec.rules[0]!.matches[0]!.path.value = '/carts';
      copy.spec.rules[1]!.backendRefs[0]!.port = 8080;
      return copy;
    });
    const differences = httpRouteRoutes(changed).filter(
      (route) => !ingressRoutes(changed).some((other) => JSON.stringify(other) === JSON.stringify(route)),
    );
    expect(differences.map((route) => `${route.path} → ${route.service}:${route.port}`).sort()).toEqual([
      '/carts → cart-service:80',
      '/user → user-service:8080',
    ]);
  });

  it('the schema check bites: an Ingress path type, a port that is not a number', async () => {
    const route = structuredClone(byKind(withGateway('k8s/overlays/dev'), 'HTTPRoute')[0]!) as K8sObject & {
      spec: { rules: Array<{ matches: Array<{ path: { type: string } }>; backendRefs: Array<{ port: unknown }> }> };
    };
    route.spec.rules[0]!.matches[0]!.path.type = 'Prefix';
    route.spec.rules[1]!.backendRefs[0]!.port = 'http';
    const problems = await schemaProblems(route);
    expect(problems.join('\n')).toMatch(/path\/type/);
    expect(problems.join('\n')).toMatch(/port/);
  });

  it('names, in its README, the controller and version that CI runs it on, and the GatewayClass', () => {
    const readme = readFileSync(repoPath(COMPONENT, 'README.md'), 'utf8');
    const ci = parse(readFileSync(repoPath('.github/workflows/ci.yaml'), 'utf8')) as { env: Record<string, string> };
    expect(ci.env.ENVOY_GATEWAY_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(readme).toContain(`Envoy Gateway ${ci.env.ENVOY_GATEWAY_VERSION}`);
    const gateway = byKind(withGateway('k8s/overlays/dev'), 'Gateway')[0]!;
    expect(readme).toContain(`\`${(gateway.spec as { gatewayClassName: string }).gatewayClassName}\``);
  });
});
