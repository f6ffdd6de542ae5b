/**
 * `skaffold dev`'s image, in its pod's conditions: the cart Dockerfile's `dev` stage (the three
 * Dockerfiles differ only in the service's name, a test keeps them so), run read-only as uid 10001
 * with every capability dropped and `/src/apps`, `/src/libs` as empty root-owned volumes, as
 * k8s/overlays/inner-loop deploys it. A saved file is copied in the way Skaffold syncs (`tar x`
 * through `exec`, as the container's user), and `node --watch` serves the new code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDockerEngine,
  assertImagePresent,
  baseImageOf,
  buildImage,
  docker,
  dockerfileOf,
  dockerRun,
  render,
  repoPath,
} from '@myshop/release';
import { containerEnvironment } from '../src/service-config.ts';
import { workloads } from '../src/workloads.ts';

const service = 'cart';
const image = `myshop-image-test/${service}:dev-stage`;
const serverUrl = process.env.IMAGE_TEST_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `image_dev_${service}_${process.pid}_${Date.now()}`;
const name = `myshop-dev-stage-test-${process.pid}`;
const workDir = mkdtempSync(join(tmpdir(), 'myshop-dev-stage-'));

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** How many times the service has logged that it listens (one per start of its process). */
/** The container's output: the service's log lines (stdout) and node --watch's own (stderr). */
function logs(): string {
  const { stdout, stderr } = spawnSync(docker, ['logs', name], { encoding: 'utf8' });
  return `${stdout}${stderr}`;
}

/** How many times the service has started (one line per start of its process). */
const starts = () => (logs().match(/metrics served on their own port/g) ?? []).length;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s; logs:\n${logs().slice(-4000)}`);
}

beforeAll(async () => {
  assertDockerEngine();
  assertImagePresent(baseImageOf(dockerfileOf(service)));
  await admin(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  spawnSync(docker, ['rm', '--force', name], { stdio: 'ignore' });
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  rmSync(workDir, { recursive: true, force: true });
});

describe(`the ${service} dev stage, as skaffold dev runs it`, () => {
  it('starts from empty source volumes under a read-only root, and serves a synced file after node --watch restarts', async () => {
    await buildImage(service, image, { target: 'dev', logFile: repoPath('reports', 'images', `${service}-dev-build.log`) });

    const objects = render(`k8s/overlays/inner-loop/${service}`);
    const workload = workloads(objects).find(({ object }) => object.kind === 'Deployment')!;
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    const environment = containerEnvironment(objects, workload, service, {
      secretOverrides: { DATABASE_URL: url.toString() },
      fileMode: 0o444,
    });
    chmodSync(environment.filesDir, 0o755);
    const port = await freePort();
    const env: Record<string, string> = {
      ...environment.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(await freePort()),
    };
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
    dockerRun([
      'run',
      '--detach',
      '--name',
      name,
      '--read-only',
      '--user',
      '10001:10001',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--network',
      'host',
      ...volumes.flatMap((volume) => ['--volume', volume]),
      '--volume',
      `${environment.filesDir}:${environment.filesDir}:ro`,
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      image,
    ]);
    const livez = `http://127.0.0.1:${port}/livez`;
    await until(
      'the dev container did not answer /livez',
      async () => ((await fetch(livez).catch(() => undefined))?.status === 200 ? true : undefined),
      120_000,
    );
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

    await until('node --watch did not start the service again', () => (starts() >= 2 ? true : undefined), 60_000);
    await until(
      'the restarted service did not answer /livez',
      async () => ((await fetch(livez).catch(() => undefined))?.status === 200 ? true : undefined),
      30_000,
    );
    const seconds = (Date.now() - syncedAt) / 1000;
    process.stdout.write(`${service} dev stage: from the synced save to serving again ${seconds.toFixed(1)} s\n`);
    expect(logs()).toContain('Restarting');
  });
});
