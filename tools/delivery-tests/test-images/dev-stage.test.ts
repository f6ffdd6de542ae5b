/**
 * `skaffold dev`'s image, in its pod's conditions: the cart Dockerfile's `dev` stage (the three
 * Dockerfiles differ only in the service's name, a test keeps them so), run read-only as uid 10001
 * with every capability dropped and `/src/apps`, `/src/libs` as empty root-owned volumes, as
 * k8s/overlays/inner-loop deploys it. A saved file is copied in the way Skaffold syncs (`tar x`
 * through `exec`, as the container's user), and `node --watch` serves the new code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertImagePresent,
  baseImageOf,
  buildImage,
  docker,
  dockerEngineForTests,
  dockerfileOf,
  dockerRun,
  repoPath,
} from '@myshop/release';
import { WAIT_FOR_LOG_LINES } from '@myshop/testing';
import { assertDatabaseServerReachable, deployedContainer, hardenedRunArgs, imageTestDatabase, until } from './container-under-test.ts';

const service = 'cart';
const image = `myshop-image-test/${service}:dev-stage`;
const database = imageTestDatabase(`image_dev_${service}_${process.pid}_${Date.now()}`);
const name = `myshop-dev-stage-test-${process.pid}`;
/** The container's volumes and the synced files, made as the tests begin. */
let workDir = '';

/** The container's output: the service's log lines (stdout) and node --watch's own (stderr). */
function logs(): string {
  const { stdout, stderr } = spawnSync(docker, ['logs', name], { encoding: 'utf8' });
  return `${stdout}${stderr}`;
}

/** How many times the service has started (one line per start of its process). */
const starts = () => (logs().match(/metrics served on their own port/g) ?? []).length;

const recentLogs = () => `logs:\n${logs().slice(-4000)}`;

const engine = dockerEngineForTests();

describe.skipIf(!engine.running)(`the ${service} dev stage, as skaffold dev runs it${engine.skipNote}`, () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'myshop-dev-stage-'));
    assertImagePresent(baseImageOf(dockerfileOf(service)));
    await assertDatabaseServerReachable();
    await database.create();
  });

  afterAll(async () => {
    spawnSync(docker, ['rm', '--force', name], { stdio: 'ignore' });
    await database.drop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('starts from empty source volumes under a read-only root, and serves a synced file after node --watch restarts', async () => {
    await buildImage(service, image, { target: 'dev', logFile: repoPath('reports', 'images', `${service}-dev-build.log`) });

    const { workload, filesDir, env, port, memoryLimitBytes } = await deployedContainer('inner-loop', service, database.url);
    // Each emptyDir the inner-loop component mounts becomes an empty host folder owned by root
    // and writable by all, as a pod's emptyDir is: the dev image must fill it without owning it.
    const emptyDirs = new Set((workload.pod.volumes ?? []).filter((volume) => 'emptyDir' in volume).map((volume) => volume.name));
    const mounts = workload.pod.containers[0]!.volumeMounts!.filter((mount) => emptyDirs.has(mount.name)).map((mount) => mount.mountPath);
    expect(mounts.sort()).toEqual(['/src/apps', '/src/libs']);
    const volumes = mounts.map((path) => {
      const folder = join(workDir, 'volumes', path);
      mkdirSync(folder, { recursive: true });
      chmodSync(folder, 0o777);
      return `${folder}:${path}`;
    });
    chmodSync(workDir, 0o755);
    dockerRun(hardenedRunArgs({ name, image, env, filesDir, memoryLimitBytes, volumes }));
    const livezAnswers200 = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/livez`);
      if (response.status !== 200) throw new Error(`/livez answered ${response.status}`);
    };
    await until('the dev container did not answer /livez with 200', livezAnswers200, { timeoutMs: 120_000, context: recentLogs });
    // Its info lines reach stdout in batches, a quarter of a second late at most.
    const logged = () => {
      if (starts() === 0) throw new Error('the start is not in the logs yet');
    };
    await until('the service did not log its start', logged, { timeoutMs: WAIT_FOR_LOG_LINES.timeout, context: recentLogs });
    expect(starts()).toBe(1);
    // The root stays read-only: only the volumes take writes.
    expect(spawnSync(docker, ['exec', name, 'touch', '/src/written-at-root']).status).not.toBe(0);

    // A saved server.ts, synced as Skaffold does: a tar of the file alone (no folder entries),
    // extracted at / through exec as the container's user.
    const relative = `src/apps/${service}/src/server.ts`;
    mkdirSync(join(workDir, `src/apps/${service}/src`), { recursive: true });
    const saved = `${readFileSync(repoPath(`apps/${service}/src/server.ts`), 'utf8')}\n// saved at ${Date.now()}\n`;
    writeFileSync(join(workDir, relative), saved);
    const archive = execFileSync('tar', ['cf', '-', '-C', workDir, relative]);
    const syncedAt = Date.now();
    execFileSync(docker, ['exec', '-i', name, 'tar', 'xmf', '-', '-C', '/', '--no-same-owner'], { input: archive });
    expect(dockerRun(['exec', name, 'cat', `/${relative}`]) + '\n').toBe(saved);

    const restarted = () => {
      if (starts() < 2) throw new Error('still the first start');
    };
    await until('node --watch did not start the service again', restarted, { timeoutMs: 60_000, context: recentLogs });
    await until('the restarted service did not answer /livez with 200', livezAnswers200, { timeoutMs: 30_000, context: recentLogs });
    const seconds = (Date.now() - syncedAt) / 1000;
    process.stdout.write(`${service} dev stage: from the synced save to serving again ${seconds.toFixed(1)} s\n`);
    expect(logs()).toContain('Restarting');

    // Under its Deployment's memory limit, as in the pod: node --watch and the service it runs
    // (TypeScript stripped as it loads) fit, the restart included.
    const usage = dockerRun(['stats', '--no-stream', '--format', '{{.MemUsage}}', name]);
    process.stdout.write(`${service} dev stage: memory after the restart ${usage}\n`);
    const state = JSON.parse(dockerRun(['inspect', '--format', '{{json .State}}', name])) as { Running: boolean; OOMKilled: boolean };
    expect(state).toMatchObject({ Running: true, OOMKilled: false });
  });
});
