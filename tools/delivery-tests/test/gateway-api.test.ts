import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { type K8sObject, KUBECTL_INSTALL, render, repoPath, services } from '@myshop/release';
import { KEEP_ALIVE_TIMEOUT_MS } from '@myshop/server';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bodyLimitsBehind, quantityBytes } from '../src/body-limits.ts';
import { kustomizations } from '../src/kustomizations.ts';
import { allows, outsiders, podsOf } from '../src/network.ts';
import { httpRouteRoutes, ingressRoutes } from '../src/routes.ts';
import { schemaProblems } from '../src/validate.ts';
import { byKind, find } from '../src/workloads.ts';

const COMPONENT = 'k8s/components/gateway-api';
const HTTP = 5000;
const METRICS = 9464;
const { environments } = kustomizations();
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

interface Listener {
  name: string;
  protocol: string;
  port: number;
  hostname?: string;
  allowedRoutes?: { namespaces?: { from?: string } };
}

const namespaceOf = (environment: string) => render(environment).find((object) => object.kind === 'Namespace')!.metadata.name;

/** The `components:` entry its README tells an environment's overlay (k8s/overlays/<env>) to add. */
function documentedEntry(): string {
  const readme = readFileSync(repoPath(COMPONENT, 'README.md'), 'utf8');
  const snippet = /Use it in [^\n]*\n+```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  const entries = (parse(snippet ?? '') as { components?: string[] } | null)?.components ?? [];
  expect(entries, 'the README shows one components: entry').toHaveLength(1);
  return entries[0]!;
}

/**
 * `dir` rendered with `entry` added to its own kustomization.yaml, as a user following the README
 * edits it: on a copy of k8s/, with no namespace given by anything but the manifests themselves.
 */
function renderEditedAsDocumented(dir: string, entry: string): K8sObject[] {
  const copy = mkdtempSync(join(tmpdir(), 'myshop-gateway-api-'));
  try {
    cpSync(repoPath('k8s'), join(copy, 'k8s'), { recursive: true });
    const file = join(copy, dir, 'kustomization.yaml');
    const kustomization = parse(readFileSync(file, 'utf8')) as { components?: string[] };
    kustomization.components = [...(kustomization.components ?? []), entry];
    writeFileSync(file, JSON.stringify(kustomization));
    return render(join(copy, dir.split('/').slice(0, 3).join('/')), { cache: false });
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

const rendered = new Map<string, K8sObject[]>();
const withGateway = (environment: string): K8sObject[] => {
  if (!rendered.has(environment)) {
    const entry = documentedEntry();
    // The entry is written for k8s/overlays/<env>: it must name this component from there.
    expect(normalize(join(environment, entry))).toBe(COMPONENT);
    rendered.set(environment, renderEditedAsDocumented(environment, entry));
  }
  return rendered.get(environment)!;
};
/** What the component adds: its objects, as the rendered environment holds them. */
const added = (objects: K8sObject[]) =>
  objects.filter((object) =>
    [
      ['Gateway', 'myshop'],
      ['HTTPRoute', 'myshop'],
      ['NetworkPolicy', 'gateway-to-services'],
      ['BackendTrafficPolicy', 'myshop'],
    ].some(([kind, name]) => object.kind === kind && object.metadata.name === name),
  );

describe.skipIf(!kubectl.path).each(environments)(`%s with components/gateway-api${kubectl.skipNote}`, (environment) => {
  const objects = kubectl.path ? withGateway(environment) : [];
  const gateways = byKind(objects, 'Gateway');
  const routes = byKind(objects, 'HTTPRoute');
  const trafficPolicies = byKind(objects, 'BackendTrafficPolicy');

  it("puts every object it adds in the environment's namespace, listed where its README says", () => {
    const namespace = namespaceOf(environment);
    expect(added(objects)).toHaveLength(4);
    for (const object of added(objects)) expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(namespace);
  });

  it("puts them there too when listed in the environment's platform part, beside the Ingress", () => {
    const inPlatform = renderEditedAsDocumented(`${environment}/platform`, `../${documentedEntry()}`);
    expect(added(inPlatform)).toHaveLength(4);
    for (const object of added(inPlatform)) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(namespaceOf(environment));
    }
  });

  it('routes exactly as the Ingress does: hosts, path prefixes, Services and ports', () => {
    const viaIngress = ingressRoutes(objects);
    expect(viaIngress.length).toBe(services().length);
    expect(httpRouteRoutes(objects)).toEqual(viaIngress);
  });

  it("gives every rule the Ingress's 60 s for an answer, not Envoy's default 15 s", () => {
    const rules = routes.flatMap((route) => (route.spec as { rules: Array<{ timeouts?: { request?: string } }> }).rules);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.timeouts?.request).toBe('60s');
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

  it("closes Envoy's idle connections to the services before the services close them", () => {
    // Envoy's default is an hour: a request sent down a connection the service is closing is a 503.
    expect(trafficPolicies).toHaveLength(1);
    const spec = trafficPolicies[0]!.spec as {
      targetRefs: Array<{ group: string; kind: string; name: string }>;
      timeout: { http: { connectionIdleTimeout: string } };
    };
    expect(spec.targetRefs).toEqual(
      routes.map((route) => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: route.metadata.name })),
    );
    const idle = /^(\d+)s$/.exec(spec.timeout.http.connectionIdleTimeout);
    expect(idle, spec.timeout.http.connectionIdleTimeout).not.toBeNull();
    expect(Number(idle![1]) * 1000).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS);
  });

  it('refuses at the edge (413) a body larger than the BODY_LIMIT_BYTES of every service it routes to', async () => {
    // Envoy streams a body of any size to the service by default; the service drains a refused
    // body only up to 1 MiB and then closes, which a proxy still writing the body sees as a reset.
    // The Ingress says the same with its proxy-body-size annotation (edge-limits.test.ts).
    const limit = (trafficPolicies[0]!.spec as { requestBuffer?: { limit?: string | number } }).requestBuffer?.limit;
    const edgeLimit = quantityBytes(limit);
    const problems: string[] = [];
    for (const { path, service } of httpRouteRoutes(objects)) {
      const pods = await bodyLimitsBehind(objects, service);
      if (pods.length === 0) problems.push(`${path} → ${service}: no pods`);
      for (const pod of pods) {
        if (pod.limit !== edgeLimit)
          problems.push(`${path} → ${pod.workload}: requestBuffer.limit=${limit ?? '(unset)'}, BODY_LIMIT_BYTES=${pod.limit}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('is valid for the Gateway API and Envoy Gateway schemas (generated from their CRDs)', async () => {
    const problems = (await Promise.all([...gateways, ...routes, ...trafficPolicies].map((object) => schemaProblems(object)))).flat();
    expect(problems).toEqual([]);
  });

  it("lets the controller's proxies reach every service on http, never on metrics", () => {
    const pods = podsOf(objects);
    const proxyOf = (gateway: string, namespace: string) => ({
      ...outsiders.gatewayProxy,
      labels: {
        ...outsiders.gatewayProxy.labels,
        'gateway.envoyproxy.io/owning-gateway-name': gateway,
        'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
      },
    });
    const ours = proxyOf('myshop', namespaceOf(environment));
    for (const service of services()) {
      expect(allows(objects, ours, pods.get(service)!, HTTP), service).toBe(true);
      expect(allows(objects, ours, pods.get(service)!, METRICS), service).toBe(false);
    }
    // Only this Gateway's proxies: another Gateway's in the same namespace stays out, and so does
    // another environment's Gateway of the same name (the controller runs every proxy in its own namespace).
    expect(allows(objects, proxyOf('other', namespaceOf(environment)), pods.get('cart')!, HTTP)).toBe(false);
    expect(allows(objects, proxyOf('myshop', 'another-environment'), pods.get('cart')!, HTTP)).toBe(false);
  });
});

describe.skipIf(!kubectl.path)(`components/gateway-api${kubectl.skipNote}`, () => {
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

  it("listens on plain HTTP only, and its README says what HTTPS takes: the prod Ingress's certificate, its redirect", () => {
    for (const environment of environments) {
      const gateway = byKind(withGateway(environment), 'Gateway')[0]!;
      const listeners = (gateway.spec as { listeners: Listener[] }).listeners;
      expect(
        listeners.map(({ name, protocol, port }) => ({ name, protocol, port })),
        environment,
      ).toEqual([{ name: 'http', protocol: 'HTTP', port: 80 }]);
    }
    const prodIngress = byKind(render('k8s/overlays/prod'), 'Ingress')[0]!;
    const tls = (prodIngress.spec as { tls?: Array<{ hosts: string[]; secretName: string }> }).tls ?? [];
    expect(tls).toHaveLength(1);
    expect(prodIngress.metadata.annotations?.['nginx.ingress.kubernetes.io/force-ssl-redirect']).toBe('true');
    const readme = readFileSync(repoPath(COMPONENT, 'README.md'), 'utf8');
    const https = readme.slice(readme.indexOf('### HTTPS'));
    expect(https).toContain(`certificateRefs: [{ name: ${tls[0]!.secretName} }]`);
    expect(https).toContain(`hostname: ${tls[0]!.hosts[0]}`);
    expect(https).toMatch(/`RequestRedirect` filter \(`scheme: https`/);
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
