import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { imageName, KUBECTL_INSTALL, render, repoPath, services } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { lastOf, parseStages, stageNamed, workdirOf } from '../src/dockerfile-stages.ts';
import { skaffoldConfigs, skaffoldSchemaProblems, skaffoldSchemaVersion, withProfile, type SkaffoldConfig } from '../src/skaffold.ts';
import { byKind, parseImage, workloads } from '../src/workloads.ts';

const configs = skaffoldConfigs();
const byName = new Map(configs.map((config) => [config.metadata?.name ?? '', config]));
const PROFILES = [undefined, 'dev', 'prod'] as const;
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

describe('skaffold.yaml', () => {
  it('is a current skaffold/v4beta* file: one module per service, platform, and all', () => {
    for (const config of configs) {
      expect(config.apiVersion).toMatch(/^skaffold\/v4beta\d+$/);
      expect(config.kind).toBe('Config');
    }
    expect([...byName.keys()].sort()).toEqual([...services(), 'all', 'platform'].sort());
    expect(byName.get('all')!.requires).toEqual(
      [{ configs: services() }].map((entry) => ({ configs: expect.arrayContaining(entry.configs) })),
    );
  });

  it('is written in the newest Skaffold config version, the one whose schema schemas/ keeps', () => {
    expect(skaffoldSchemaVersion()).toMatch(/^skaffold\/v4beta\d+$/);
    expect(new Set(configs.map((config) => config.apiVersion))).toEqual(new Set([skaffoldSchemaVersion()]));
  });

  it.each(
    configs.flatMap((config) =>
      [undefined, ...(config.profiles ?? []).map((profile) => profile.name)].map(
        (profile) => [config.metadata?.name ?? '?', profile ?? '(none)', config, profile] as const,
      ),
    ),
  )("%s with profile %s: valid for Skaffold's own schema, with no unknown field", (_name, _profile, config, profile) => {
    const { profiles: _profiles, ...effective } = withProfile(config, profile);
    expect(skaffoldSchemaProblems(profile ? effective : config)).toEqual([]);
  });

  it("catches what Skaffold's schema refuses", () => {
    const config = structuredClone(byName.get('cart')!) as SkaffoldConfig & { build: { local: Record<string, unknown> } };
    config.build.local.useBuildKit = true;
    (config.portForward![0] as { port: unknown }).port = [80];
    expect(skaffoldSchemaProblems(config)).toEqual(
      expect.arrayContaining([
        '/build/local must NOT have additional properties (useBuildKit)',
        expect.stringMatching(/^\/portForward\/0\/port /),
      ]),
    );
  });

  it('the README explains the inner loop on a cluster with commands this file serves', () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const commands = [...readme.matchAll(/^skaffold (dev|run)\b([^#\n]*)/gm)];
    expect(commands.map(([, verb]) => verb)).toContain('dev');
    expect(commands.some(([, , flags]) => /-m \S+/.test(flags!))).toBe(true);
    for (const [line, , flags] of commands) {
      for (const [, modules] of flags!.matchAll(/-m (\S+)/g))
        for (const module of modules!.split(',')) expect(byName.has(module), line).toBe(true);
      for (const [, profile] of flags!.matchAll(/-p (\S+)/g))
        expect(
          configs.some((config) => config.profiles?.some(({ name }) => name === profile)),
          line,
        ).toBe(true);
    }
  });

  it('requires only modules that exist', () => {
    const missing = configs.flatMap((config) =>
      (config.requires ?? []).flatMap((entry) => entry.configs ?? []).filter((name) => !byName.has(name)),
    );
    expect(missing).toEqual([]);
  });

  it.each(services())('%s: one artifact, its own Dockerfile, the repository as context, tagged by git commit', (service) => {
    const config = byName.get(service)!;
    expect(config.requires).toEqual([{ configs: ['platform'] }]);
    expect(config.build?.tagPolicy).toEqual({ gitCommit: {} });
    expect(config.build?.artifacts).toEqual([
      { image: imageName(service), context: '.', docker: { dockerfile: `docker/${service}.Dockerfile` } },
    ]);
    expect(existsSync(repoPath(`docker/${service}.Dockerfile`))).toBe(true);
  });

  it
    .skipIf(!kubectl.path)
    .each(
      configs.flatMap((config) => PROFILES.map((profile) => [config.metadata?.name ?? '?', profile ?? '(none)', config, profile] as const)),
    )(`%s with profile %s: renders, and deploys the image it builds${kubectl.skipNote}`, (_name, _profile, config, profile) => {
    const effective: SkaffoldConfig = config.profiles ? withProfile(config, profile) : config;
    const paths = effective.manifests?.kustomize?.paths ?? [];
    const objects = paths.flatMap((path) => render(path));
    // A profile swaps a module's overlays, never drops them: what it deploys as written, it deploys
    // under every profile (else the checks below hold of nothing). Only `all` deploys nothing of its own.
    expect(paths, 'kustomize paths').toHaveLength(config.manifests?.kustomize?.paths?.length ?? 0);
    if (paths.length > 0) expect(objects.length, 'rendered objects').toBeGreaterThan(0);
    else expect(config.metadata?.name).toBe('all');
    const deployed = new Set(workloads(objects).flatMap(({ pod }) => pod.containers.map((container) => parseImage(container.image).name)));
    for (const artifact of effective.build?.artifacts ?? []) expect(deployed, artifact.image).toContain(artifact.image);
    // Every myshop image the manifests run is one this module builds.
    const built = new Set((effective.build?.artifacts ?? []).map((artifact) => artifact.image));
    for (const image of deployed) if (/myshop\//.test(image)) expect(built, image).toContain(image);
    // Port-forwards name Services of these manifests (or the Ingress controller's).
    for (const forward of effective.portForward ?? []) {
      if (forward.namespace === 'ingress-nginx') continue;
      const service = byKind(objects, 'Service').find((candidate) => candidate.metadata.name === forward.resourceName);
      expect(service, forward.resourceName).toBeDefined();
      expect(service!.metadata.namespace).toBe(forward.namespace);
    }
    if (profile === 'prod') {
      expect(paths.every((path) => path.startsWith('k8s/overlays/prod/'))).toBe(true);
      expect(effective.portForward).toBeUndefined();
    } else if (profile === 'dev' && config.build) {
      // A service under skaffold dev: the dev overlay with writable sources (inner-loop).
      expect(paths).toEqual([`k8s/overlays/inner-loop/${config.metadata?.name}`]);
    } else {
      expect(paths.every((path) => path.startsWith('k8s/overlays/dev/'))).toBe(true);
    }
  });

  it('forwards the gateway to 127.0.0.1:8080, as npm start serves it', () => {
    expect(byName.get('platform')!.portForward).toContainEqual(
      expect.objectContaining({ resourceName: 'ingress-nginx-controller', port: 80, localPort: 8080 }),
    );
  });

  it('applies a profile as Skaffold does: its patches on a copy, and none that does not apply', () => {
    const config: SkaffoldConfig = {
      apiVersion: 'skaffold/v4beta14',
      kind: 'Config',
      metadata: { name: 'example' },
      manifests: { kustomize: { paths: ['k8s/overlays/dev/example'] } },
      portForward: [{ resourceType: 'service', resourceName: 'example', port: 80 }],
      profiles: [
        {
          name: 'prod',
          patches: [
            { op: 'replace', path: '/manifests/kustomize/paths/0', value: 'k8s/overlays/prod/example' },
            { op: 'add', path: '/build', value: { local: { push: true } } },
            { op: 'remove', path: '/portForward' },
          ],
        },
        { name: 'broken', patches: [{ op: 'replace', path: '/build/local/push', value: false }] },
      ],
    };
    const prod = withProfile(config, 'prod');
    expect(prod).toMatchObject({ manifests: { kustomize: { paths: ['k8s/overlays/prod/example'] } }, build: { local: { push: true } } });
    expect(prod.portForward).toBeUndefined();
    expect(config.manifests!.kustomize!.paths).toEqual(['k8s/overlays/dev/example']);
    expect(() => withProfile(config, 'broken')).toThrow('config example profile broken: replace /build/local/push');
    expect(() => withProfile(config, 'staging')).toThrow('config example has no profile staging');
  });

  /** Every TypeScript file under a folder, relative to the repository root (tests left out, as .dockerignore does). */
  const sourcesUnder = (dir: string) =>
    readdirSync(repoPath(dir), { recursive: true, encoding: 'utf8' })
      .map((file) => `${dir}/${file}`)
      .filter(
        (file) =>
          file.endsWith('.ts') &&
          !file.endsWith('.test.ts') &&
          !file.split('/').some((part) => ['node_modules', 'test', 'dist'].includes(part)),
      );

  it.each(services())('%s: skaffold dev builds the dev stage and syncs saved .ts sources to where the image has them', (service) => {
    const config = byName.get(service)!;
    expect(config.profiles?.find((profile) => profile.name === 'dev')?.activation).toContainEqual({ command: 'dev' });
    const [artifact] = withProfile(config, 'dev').build!.artifacts!;
    expect(artifact!.docker?.target).toBe('dev');
    const stages = parseStages(readFileSync(repoPath(artifact!.docker!.dockerfile!), 'utf8'));
    const workdir = workdirOf(stages, stageNamed(stages, 'dev'));
    const rules = artifact!.sync?.manual ?? [];
    const sources = [...sourcesUnder(`apps/${service}`), ...readdirSync(repoPath('libs')).flatMap((lib) => sourcesUnder(`libs/${lib}`))];
    expect(sources).toContain(`apps/${service}/src/server.ts`);
    for (const file of sources) {
      const rule = rules.find(({ src }) => posix.matchesGlob(file, src));
      expect(rule, file).toBeDefined();
      // Relative destinations are under the container's WORKDIR; `COPY . .` put the file there.
      const relativePath = rule!.strip && file.startsWith(rule!.strip) ? file.slice(rule!.strip.length) : file;
      expect(posix.resolve(workdir, rule!.dest, relativePath), file).toBe(posix.join(workdir, file));
    }
  });

  it.skipIf(!kubectl.path).each(services())(
    `%s: under skaffold dev, every synced file lands on a writable volume the dev image fills, the root staying read-only${kubectl.skipNote}`,
    (service) => {
      const effective = withProfile(byName.get(service)!, 'dev');
      const [artifact] = effective.build!.artifacts!;
      const stages = parseStages(readFileSync(repoPath(artifact!.docker!.dockerfile!), 'utf8'));
      const dev = stageNamed(stages, 'dev');
      const workdir = workdirOf(stages, dev);
      const objects = effective.manifests!.kustomize!.paths!.flatMap((path) => render(path));
      const { pod } = workloads(objects).find(({ object }) => object.kind === 'Deployment' && object.metadata.name === service)!;
      const container = pod.containers.find((candidate) => parseImage(candidate.image).name === artifact!.image)!;
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      const emptyDirs = new Set((pod.volumes ?? []).filter((volume) => 'emptyDir' in volume).map((volume) => volume.name));
      const writable = (container.volumeMounts ?? [])
        .filter((mount) => emptyDirs.has(mount.name) && !mount.readOnly)
        .map((mount) => mount.mountPath);
      const command = JSON.parse(lastOf(dev, 'CMD')!).join(' ') as string;
      for (const { src, dest } of artifact!.sync!.manual!) {
        // The folder the rule's files go to (e.g. /src/apps for apps/**/*.ts with dest .).
        const folder = posix.resolve(workdir, dest, src.split('/')[0]!);
        expect(writable, `${src} is synced to ${folder}`).toContain(folder);
        // …which starts empty on a cluster, so the command first fills it from the image's copy.
        expect(command).toContain(`cp -Rn /seed/${posix.relative(workdir, folder)}/. ${posix.relative(workdir, folder)}/`);
      }
    },
  );

  it.each(services())('%s: without a profile and under prod, the production image: no dev stage, no sync', (service) => {
    for (const profile of [undefined, 'prod']) {
      const [artifact] = withProfile(byName.get(service)!, profile).build!.artifacts!;
      expect(artifact!.docker?.target).toBeUndefined();
      expect(artifact!.sync).toBeUndefined();
    }
  });
});
