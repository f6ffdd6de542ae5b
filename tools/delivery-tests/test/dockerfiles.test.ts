import { existsSync, readFileSync } from 'node:fs';
import { KUBECTL_INSTALL, readJson, render, repoPath, services } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { BUILD_CONTEXT_ROOT } from '../src/build-context.ts';
import { defaultStage, lastOf, parseStages, stageNamed, workdirOf } from '../src/dockerfile-stages.ts';
import { workloads } from '../src/workloads.ts';

const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);
const dockerfile = (service: string) => readFileSync(repoPath(`docker/${service}.Dockerfile`), 'utf8');

describe('Dockerfiles', () => {
  it.each(services())("%s has one, which differs from user's only in the service's name", (service) => {
    expect(existsSync(repoPath(`docker/${service}.Dockerfile`))).toBe(true);
    expect(dockerfile(service).replaceAll(service, 'SERVICE')).toBe(dockerfile('user').replaceAll('user', 'SERVICE'));
  });

  it.each(services())("%s: starts from Node of the project's major version, runs its compiled server as exec-form CMD", (service) => {
    const text = dockerfile(service);
    const major = /\d+/.exec(readJson<{ engines: { node: string } }>(repoPath('package.json')).engines.node)![0];
    // Named literally in one FROM, the line Dependabot updates (it cannot read an ARG in FROM).
    expect(text).toMatch(new RegExp(`^FROM node:${major}-bookworm-slim AS base$`, 'm'));
    expect(text.match(/^FROM node:/gm)).toHaveLength(1);
    expect(text).toContain(`CMD ["node", "apps/${service}/dist/server.js"]`);
    expect(existsSync(repoPath(`apps/${service}/src/server.ts`))).toBe(true);
    expect(text).not.toMatch(/^(ENTRYPOINT|CMD) [^[]/m);
  });

  it.skipIf(!kubectl.path).each(services())(
    `%s: runs as the numeric user the Deployment runs as, exposing its ports${kubectl.skipNote}`,
    (service) => {
      const text = dockerfile(service);
      const user = /^USER (\d+):(\d+)$/m.exec(text);
      expect(user).not.toBeNull();
      const { pod } = workloads(render(`k8s/base/${service}`)).find(({ object }) => object.kind === 'Deployment')!;
      expect(pod.securityContext?.runAsUser).toBe(Number(user![1]));
      expect(pod.securityContext?.runAsGroup).toBe(Number(user![2]));
      const ports = pod.containers[0]!.ports!.map((port) => port.containerPort);
      expect(/^EXPOSE (.+)$/m.exec(text)![1]!.split(/\s+/).map(Number)).toEqual(ports);
    },
  );

  it.each(services())('%s: declares in package.json files what it reads beside dist at run time', (service) => {
    const files = readJson<{ files?: string[] }>(repoPath(`apps/${service}/package.json`)).files ?? [];
    expect(files).toContain('dist');
    const sources = readFileSync(repoPath(`apps/${service}/src/app.ts`), 'utf8');
    for (const [, path] of sources.matchAll(/new URL\('\.\.\/([^/']+)/g))
      expect(files.concat('package.json'), path).toContain(path!.replace(/\/$/, ''));
  });

  it('lets into the build context only what a build reads: no git, local state, build output or tests', () => {
    const patterns = readFileSync(repoPath('.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    // Everything at the root is left out, then what a build reads is let back in.
    expect(patterns[0]).toBe('*');
    const allowed = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
    expect(allowed.sort()).toEqual([...BUILD_CONTEXT_ROOT]);
    for (const entry of ['**/node_modules', '**/dist', '**/.data', '**/test']) expect(patterns).toContain(entry);
  });

  it.each(services())("%s: a dev stage runs the TypeScript sources under node --watch, as the Deployment's user", (service) => {
    const stages = parseStages(dockerfile(service));
    const dev = stageNamed(stages, 'dev');
    const [shell, flag, script] = JSON.parse(lastOf(dev, 'CMD')!) as string[];
    expect([shell, flag]).toEqual(['sh', '-c']);
    // Fills the (on a cluster, empty) source volumes from /seed without overwriting synced files,
    // then node becomes the process itself (exec), so it gets SIGTERM.
    expect(script).toBe(
      `cp -Rn /seed/apps/. apps/ && cp -Rn /seed/libs/. libs/ && exec node --watch --conditions=@myshop/source --import=@myshop/telemetry/preload apps/${service}/src/server.ts`,
    );
    expect(dev.instructions.find(({ keyword, args }) => keyword === 'RUN' && args.includes('cp -a apps libs /seed/'))).toBeDefined();
    expect(existsSync(repoPath(`apps/${service}/src/server.ts`))).toBe(true);
    // The same dependencies as production (no dev tools), the sources copied whole into WORKDIR.
    expect(dev.from).toBe('production-deps');
    expect(dev.instructions).toContainEqual({ keyword: 'COPY', args: '--chown=10001:10001 . .' });
    expect(lastOf(dev, 'USER')).toBe(lastOf(defaultStage(stages), 'USER'));
    expect(workdirOf(stages, dev)).toBe('/src');
  });

  it.each(services())('%s: the production image is still the last stage, the default target', (service) => {
    const stages = parseStages(dockerfile(service));
    const production = defaultStage(stages);
    expect(production.name).not.toBe('dev');
    expect(production.from).toBe('base');
    expect(JSON.parse(lastOf(production, 'CMD')!)).toEqual(['node', `apps/${service}/dist/server.js`]);
    expect(production.instructions.filter(({ keyword }) => keyword === 'COPY').map(({ args }) => args)).toEqual([
      '--from=production-deps /out ./',
      '--from=build /out ./',
      '--from=init /usr/bin/tini /usr/bin/tini',
    ]);
    expect(JSON.parse(lastOf(production, 'ENTRYPOINT')!)).toEqual(['/usr/bin/tini', '--']);
    expect(production.instructions).toContainEqual({ keyword: 'ENV', args: 'NODE_ENV=production' });
    expect(stages.map((stage) => stage.name).indexOf('dev')).toBeLessThan(stages.length - 1);
  });

  it.each(services())("%s: the production image drops the base image's package managers and C headers", (service) => {
    // node:<major>-bookworm-slim unpacks Node's release into /usr/local (npm, npx, corepack in
    // lib/node_modules, headers in include/node) and adds yarn under /opt: build tools only.
    const removed = defaultStage(parseStages(dockerfile(service)))
      .instructions.filter(({ keyword }) => keyword === 'RUN')
      .flatMap(({ args }) => /^rm -rf (.+)$/.exec(args)?.[1]!.split(/\s+/) ?? []);
    expect(removed.sort()).toEqual(
      [
        '/usr/local/lib/node_modules',
        '/usr/local/bin/npm',
        '/usr/local/bin/npx',
        '/usr/local/bin/corepack',
        '/usr/local/bin/yarn',
        '/usr/local/bin/yarnpkg',
        '/opt/yarn-*',
        '/usr/local/include/node',
      ].sort(),
    );
  });

  // `ENV A=1 B="2 3"` sets both: read every pair of every ENV of the stage, the last one winning.
  const envOf = (stage: ReturnType<typeof parseStages>[number]): Record<string, string> =>
    Object.fromEntries(
      stage.instructions
        .filter(({ keyword }) => keyword === 'ENV')
        .flatMap(({ args }) =>
          [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S+))/g)].map(([, name, quoted, bare]) => [name, quoted ?? bare]),
        ),
    );

  it.each(services())("%s: caps glibc's malloc arenas at 2, in the production image and the dev stage alike", (service) => {
    const stages = parseStages(dockerfile(service));
    expect(envOf(defaultStage(stages)).MALLOC_ARENA_MAX).toBe('2');
    expect(envOf(stageNamed(stages, 'dev')).MALLOC_ARENA_MAX).toBe('2');
  });

  it.each(services())(
    "%s: sizes V8's heap from the container's memory limit, in the production image and the dev stage alike",
    (service) => {
      const stages = parseStages(dockerfile(service));
      const production = envOf(defaultStage(stages)).NODE_OPTIONS?.split(' ');
      expect(production).toEqual(['--import=@myshop/telemetry/preload', '--max-old-space-size-percentage=50']);
      expect(envOf(stageNamed(stages, 'dev')).NODE_OPTIONS?.split(' ')).toContain('--max-old-space-size-percentage=50');
    },
  );

  it('type-checks the sources for syntax Node can strip (the dev stage runs them as they are)', () => {
    expect(
      readJson<{ compilerOptions: { erasableSyntaxOnly?: boolean } }>(repoPath('tsconfig.base.json')).compilerOptions.erasableSyntaxOnly,
    ).toBe(true);
  });

  it('reads stages as Docker does: names, continuations, inherited WORKDIR', () => {
    const stages = parseStages(
      'FROM base AS a\nWORKDIR /src\n# note\nRUN one \\\n  two\nFROM a AS b\nWORKDIR app\nFROM scratch\nCMD ["x"]\n',
    );
    expect(stages.map(({ name, from }) => [name, from])).toEqual([
      ['a', 'base'],
      ['b', 'a'],
      ['2', 'scratch'],
    ]);
    expect(stages[0]!.instructions).toContainEqual({ keyword: 'RUN', args: 'one    two' });
    expect(workdirOf(stages, stageNamed(stages, 'b'))).toBe('/src/app');
    expect(defaultStage(stages).name).toBe('2');
    expect(() => stageNamed(stages, 'dev')).toThrow('no stage named dev (stages: a, b, 2)');
  });
});
