import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { healthPlugin } from '@myshop/health';
import { type K8sObject, KUBECTL_INSTALL, readYamlDocuments, render, repoPath, services } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentCombinations, kustomizations, renderCombination, renderWithComponents } from '../src/kustomizations.ts';
import { containerEnvironment, isSecretKey, readsKey, serviceConfig } from '../src/service-config.ts';
import { byKind, containerPort, find, secretValues, selects, workloads } from '../src/workloads.ts';

const { environments, overlays } = kustomizations();
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);
/** The keys of a signing key rotation, mounted by components/key-rotation for as long as it lasts. */
const ROTATION_KEYS = ['JWT_NEXT_KEY', 'JWT_PREVIOUS_KEY'];

const deployable = [...environments, ...overlays.filter((dir) => !environments.includes(dir))];

/** Whether a rendered object is the Deployment of `service`. */
const isDeploymentOf = (service: string) => (object: K8sObject) => object.kind === 'Deployment' && object.metadata.name === service;
/**
 * The environments and overlays that deploy `service`. Without kubectl to render them, one
 * stand-in, so that the tests over them still show, skipped, by name.
 */
const deploying = (service: string) =>
  kubectl.path ? deployable.filter((dir) => render(dir).some(isDeploymentOf(service))) : [`(the overlays that deploy ${service})`];
/** The Deployment of `service` among rendered objects, as a workload. */
const deploymentOf = (objects: K8sObject[], service: string) => workloads(objects).find(({ object }) => isDeploymentOf(service)(object))!;

describe.skipIf(!kubectl.path).each(deployable)(`%s agrees with itself${kubectl.skipNote}`, (dir) => {
  const objects = kubectl.path ? render(dir) : [];
  const pods = workloads(objects);

  it('Service selectors match pods, and their targetPorts are ports of those pods', () => {
    const problems: string[] = [];
    for (const service of byKind(objects, 'Service')) {
      const spec = service.spec as { selector?: Record<string, string>; ports: Array<{ port: number; targetPort?: number | string }> };
      const selected = pods.filter(({ podLabels }) => selects({ matchLabels: spec.selector }, podLabels));
      if (selected.length === 0) problems.push(`Service/${service.metadata.name} selects no pod`);
      for (const port of spec.ports) {
        for (const { object, pod } of selected) {
          if (containerPort(pod, port.targetPort ?? port.port) === undefined)
            problems.push(
              `Service/${service.metadata.name} port ${port.port} → ${port.targetPort}: no such port on ${object.kind}/${object.metadata.name}`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('Ingress backends name Services of the same deployment, on ports those Services have', () => {
    const problems: string[] = [];
    for (const ingress of byKind(objects, 'Ingress')) {
      const rules = (
        ingress.spec as {
          rules: Array<{
            http: { paths: Array<{ path: string; backend: { service: { name: string; port: { number?: number; name?: string } } } }> };
          }>;
        }
      ).rules;
      for (const { path, backend } of rules.flatMap((rule) => rule.http.paths)) {
        const service = find(objects, 'Service', backend.service.name);
        // A platform overlay deploys the Ingress without the services; the whole environment has them.
        if (!service) {
          if (environments.includes(dir)) problems.push(`${path} → Service ${backend.service.name}, which is not deployed`);
          continue;
        }
        const ports = (service.spec as { ports: Array<{ port: number; name?: string }> }).ports;
        if (
          !ports.some(
            (port) => port.port === backend.service.port.number || (backend.service.port.name && port.name === backend.service.port.name),
          )
        ) {
          problems.push(
            `${path} → ${backend.service.name}:${backend.service.port.number ?? backend.service.port.name}, a port the Service does not have`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('HPAs, PDBs and NetworkPolicies point at workloads that exist', () => {
    const problems: string[] = [];
    for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      if (!find(objects, target.kind, target.name))
        problems.push(`HPA/${hpa.metadata.name} scales ${target.kind}/${target.name}, which is not here`);
    }
    // A part's NetworkPolicy may be for pods another part of its environment deploys: the
    // platform's egress to the database is for the services.
    const environment = environments.find((env) => dir.startsWith(`${env}/`));
    const environmentPods = environment ? workloads(render(environment)) : pods;
    for (const kind of ['PodDisruptionBudget', 'NetworkPolicy']) {
      for (const object of byKind(objects, kind)) {
        const selector =
          kind === 'NetworkPolicy' ? (object.spec as { podSelector: object }).podSelector : (object.spec as { selector: object }).selector;
        const empty = Object.keys(selector).length === 0;
        // cert-manager creates its ACME solver pods on demand: nothing in the manifests is one.
        const forPodsMadeAtRunTime = JSON.stringify(selector).includes('acme.cert-manager.io/http01-solver');
        const candidates = kind === 'NetworkPolicy' ? environmentPods : pods;
        if (!empty && !forPodsMadeAtRunTime && !candidates.some(({ podLabels }) => selects(selector, podLabels)))
          problems.push(`${kind}/${object.metadata.name} selects no pod`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!kubectl.path)(`the user service's memory${kubectl.skipNote}`, () => {
  it.each(deploying('user'))("%s: hands each argon2 hash's buffer back as it ends (a fixed mmap threshold, on huge pages)", (dir) => {
    const objects = render(dir);
    const workload = deploymentOf(objects, 'user');
    expect(containerEnvironment(objects, workload, 'user').env).toMatchObject({
      MALLOC_MMAP_THRESHOLD_: '131072',
      GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
    });
  });
});

describe.skipIf(!kubectl.path)(`the payment service's memory${kubectl.skipNote}`, () => {
  it.each(deploying('payment'))("%s: hands the compilers' scratch memory back as each compile ends (a fixed mmap threshold)", (dir) => {
    const objects = render(dir);
    const workload = deploymentOf(objects, 'payment');
    expect(containerEnvironment(objects, workload, 'payment').env).toMatchObject({ MALLOC_MMAP_THRESHOLD_: '32768' });
  });
});

describe.skipIf(!kubectl.path).each(services())(`the %s service and its manifests${kubectl.skipNote}`, (service) => {
  // The design's words, literally: a ClusterIP Service <service>-service, port 80 → 5000, the
  // container's port 5000 named http (what the Ingress and the other services call it by).
  it.each(deploying(service))('%s: ClusterIP Service <service>-service, port 80 → container port 5000 named http', (dir) => {
    const objects = render(dir);
    expect(find(objects, 'Service', `${service}-service`)?.spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'http', port: 80, targetPort: 5000 }],
    });
    const { pod } = deploymentOf(objects, service);
    expect(pod.containers[0]!.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 5000 }));
  });

  it.each(deploying(service))(
    '%s: sets only keys its config schema reads, provides every required one, and the service accepts the result',
    async (dir) => {
      const objects = render(dir);
      const workload = deploymentOf(objects, service);
      const config = await serviceConfig(service);
      const environment = containerEnvironment(objects, workload, service);
      expect(environment.problems).toEqual([]);
      expect(environment.keys.filter((key) => !readsKey(config, key))).toEqual([]);
      // Required: no default to fall back on (TypeBox lists defaulted keys as required too).
      const required = (config.schema.required ?? []).filter((key) => config.schema.properties[key]?.default === undefined);
      expect(required.filter((key) => !(key in environment.env))).toEqual([]);
      // The real loader, production rules included (NODE_ENV=production needs DATABASE_URL and keys).
      expect(() => config.load(environment.env)).not.toThrow();
      expect(environment.env.NODE_ENV).toBe('production');
      // Every secret the schema marks is mounted as a file, none is in the ConfigMap (those of a
      // key rotation only while components/key-rotation is used).
      const mounted = environment.secretFiles
        .map((file) => file.key)
        .filter((key) => !ROTATION_KEYS.includes(key))
        .sort();
      const declared = Object.keys(config.schema.properties)
        .filter((key) => isSecretKey(config, key) && !ROTATION_KEYS.includes(key))
        .sort();
      expect(mounted).toEqual(declared);
    },
  );

  it('listens where the manifests say: PORT and METRICS_PORT are the http and metrics container ports', () => {
    const objects = render(`k8s/base/${service}`);
    const { pod } = workloads(objects).find(({ object }) => object.kind === 'Deployment')!;
    const data = (byKind(objects, 'ConfigMap')[0]!.data ?? {}) as Record<string, string>;
    expect(containerPort(pod, 'http')).toBe(Number(data.PORT));
    expect(containerPort(pod, 'metrics')).toBe(Number(data.METRICS_PORT));
  });

  it("is reachable at /<service> through the Ingress, on its Service's port 80", () => {
    const ingress = render('k8s/base/ingress').find((object) => object.kind === 'Ingress')!;
    const paths = (
      ingress.spec as {
        rules: Array<{
          host: string;
          http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string; port: { number: number } } } }> };
        }>;
      }
    ).rules;
    expect(paths[0]!.host).toBe('myshop.com');
    expect(paths.flatMap((rule) => rule.http.paths)).toContainEqual({
      path: `/${service}`,
      pathType: 'Prefix',
      backend: { service: { name: `${service}-service`, port: { number: 80 } } },
    });
    expect((ingress.spec as { ingressClassName: string }).ingressClassName).toBe('nginx');
  });
});

describe.skipIf(!kubectl.path)(`probe paths${kubectl.skipNote}`, () => {
  const app = Fastify();
  beforeAll(async () => {
    // Every service registers the health plugin through the platform plugin (libs/server).
    await app.register(healthPlugin);
    await app.ready();
  });
  afterAll(() => app.close());

  it('are served by the health plugin every service registers', async () => {
    const paths = new Set(
      environments.flatMap((dir) =>
        workloads(render(dir))
          .filter(({ object }) => services().includes(object.metadata.name))
          .flatMap(({ pod }) =>
            pod.containers.flatMap((container) => [container.startupProbe, container.livenessProbe, container.readinessProbe]),
          )
          .map((probe) => probe?.httpGet?.path)
          .filter((path): path is string => path !== undefined),
      ),
    );
    expect([...paths].sort()).toEqual(['/livez', '/readyz']);
    for (const path of paths) expect((await app.inject({ method: 'GET', url: path })).statusCode, path).not.toBe(404);
    expect(readFileSync(repoPath('libs/server/src/platform-plugin.ts'), 'utf8')).toContain('app.register(healthPlugin)');
  });
});

describe.skipIf(!kubectl.path)(`the dev database${kubectl.skipNote}`, () => {
  it('is the one every dev DATABASE_URL names: host, credentials and a database init.sql creates', () => {
    const dev = render('k8s/overlays/dev');
    const credentials = secretValues(byKind(dev, 'Secret').find((secret) => secret.metadata.name.startsWith('postgres-credentials'))!);
    const init = Object.values(
      (byKind(dev, 'ConfigMap').find((map) => map.metadata.name.startsWith('postgres-init'))!.data ?? {}) as Record<string, string>,
    ).join('\n');
    const databases = [...init.matchAll(/CREATE DATABASE "?(\w+)"?/g)].map((match) => match[1]);
    for (const service of services()) {
      const secret = byKind(dev, 'Secret').find((candidate: K8sObject) => candidate.metadata.name.startsWith(`${service}-secrets`))!;
      const url = new URL(secretValues(secret).DATABASE_URL!);
      expect(url.hostname, service).toBe('postgres');
      expect(url.port, service).toBe('5432');
      expect(decodeURIComponent(url.username), service).toBe(credentials.POSTGRES_USER);
      expect(decodeURIComponent(url.password), service).toBe(credentials.POSTGRES_PASSWORD);
      expect(databases, service).toContain(url.pathname.slice(1));
    }
  });
});

describe.skipIf(!kubectl.path)(`external secrets${kubectl.skipNote}`, () => {
  it('make exactly the Secrets, with the keys, that the prod Deployments mount', () => {
    const mounted = workloads(render('k8s/overlays/prod')).flatMap(({ pod }) =>
      (pod.volumes ?? [])
        .filter((volume) => volume.secret)
        .map(
          (volume) =>
            `${volume.secret!.secretName}: ${(volume.secret!.items ?? [])
              .map((item) => item.key)
              .sort()
              .join(',')}`,
        ),
    );
    const made = (readYamlDocuments(repoPath('k8s/components/external-secrets/externalsecrets.yaml')) as K8sObject[]).map((object) => {
      const spec = object.spec as { target: { name: string }; data: Array<{ secretKey: string }> };
      return `${spec.target.name}: ${spec.data
        .map((entry) => entry.secretKey)
        .sort()
        .join(',')}`;
    });
    expect(made.sort()).toEqual(mounted.sort());
  });
});

/**
 * Keys the pods read from Secrets that an ExternalSecret makes, which that ExternalSecret does not
 * write: the kubelet cannot mount such a volume (or set such a variable), and the pod never starts.
 */
function externalSecretKeyProblems(objects: K8sObject[]): string[] {
  const written = new Map<string, string[]>();
  for (const external of byKind(objects, 'ExternalSecret')) {
    const spec = external.spec as { target?: { name?: string }; data?: Array<{ secretKey: string }> };
    written.set(
      spec.target?.name ?? external.metadata.name,
      (spec.data ?? []).map((entry) => entry.secretKey),
    );
  }
  const problems: string[] = [];
  const check = (where: string, secret: string, key: string) => {
    const keys = written.get(secret);
    // A Secret the manifests make themselves, or one made in the cluster: not this check's.
    if (!keys || byKind(objects, 'Secret').some((candidate) => candidate.metadata.name === secret)) return;
    if (!keys.includes(key)) problems.push(`${where} reads ${key} of Secret ${secret}, which its ExternalSecret does not write`);
  };
  for (const { object, pod } of workloads(objects)) {
    const where = `${object.kind}/${object.metadata.name}`;
    for (const volume of pod.volumes ?? []) {
      const secret = volume.secret as { secretName: string; items?: Array<{ key: string }>; optional?: boolean } | undefined;
      if (!secret || secret.optional) continue;
      for (const item of secret.items ?? []) check(`${where} volume ${volume.name}`, secret.secretName, item.key);
    }
    for (const container of pod.containers)
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef as { name: string; key: string; optional?: boolean } | undefined;
        if (ref && !ref.optional) check(`${where} env ${variable.name}`, ref.name, ref.key);
      }
  }
  return problems;
}

describe.skipIf(!kubectl.path)(`secrets made by the External Secrets Operator, in every combination${kubectl.skipNote}`, () => {
  const withExternalSecrets = environmentCombinations().filter((combination) =>
    combination.components.includes('k8s/components/external-secrets'),
  );

  it.each(withExternalSecrets.map((combination) => [combination.name, combination] as const))(
    '%s: every key a pod mounts from such a Secret is one its ExternalSecret writes',
    (_name, combination) => {
      expect(externalSecretKeyProblems(renderCombination(combination))).toEqual([]);
    },
  );

  it('finds a mounted key the ExternalSecret does not write', () => {
    const objects = structuredClone(renderWithComponents('k8s/overlays/prod', ['k8s/components/external-secrets'], 'myshop'));
    expect(externalSecretKeyProblems(objects)).toEqual([]);
    const user = deploymentOf(objects, 'user');
    user.pod.volumes!.find((volume) => volume.secret)!.secret!.items!.push({ key: 'EXTRA', path: 'EXTRA' });
    expect(externalSecretKeyProblems(objects)).toEqual([
      'Deployment/user volume secrets reads EXTRA of Secret user-secrets, which its ExternalSecret does not write',
    ]);
  });
});

describe.skipIf(!kubectl.path)(`components/key-rotation${kubectl.skipNote}`, () => {
  it('mounts the next and previous signing keys into the user service, which publishes them', async () => {
    const objects = renderWithComponents('k8s/overlays/prod', ['k8s/components/key-rotation'], 'myshop');
    const workload = deploymentOf(objects, 'user');
    const environment = containerEnvironment(objects, workload, 'user');
    expect(environment.problems).toEqual([]);
    expect(environment.secretFiles.map((file) => file.key)).toEqual(expect.arrayContaining(ROTATION_KEYS));
    const config = await serviceConfig('user');
    const loaded = config.load(environment.env) as Record<string, unknown>;
    expect(loaded.JWT_NEXT_KEY).toContain('PRIVATE KEY');
    expect(loaded.JWT_PREVIOUS_KEY).toContain('PRIVATE KEY');
    // Nothing else changes: cart and payment render as without it.
    const others = (list: typeof objects) => JSON.stringify(list.filter((object) => !isDeploymentOf('user')(object)));
    expect(others(objects)).toBe(others(render('k8s/overlays/prod')));
  });
});
