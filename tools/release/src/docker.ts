/**
 * The Docker engine, as the image tests and `npm run images` use it: the client at /usr/bin/docker
 * when there is one (a client earlier on PATH, such as a snap or a wrapper, may lack BuildKit),
 * builds with BuildKit and a time limit, and what an image is made of.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { imageName } from './images.ts';
import { repoPath } from './repo.ts';

export const docker = process.env.DOCKER ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');

/** The tag `npm run images` gives, ghcr.io/myshop/<service>:dev (the name every manifest uses). */
export const devImage = (service: string) => `${imageName(service)}:dev`;

export const dockerfileOf = (service: string) => `docker/${service}.Dockerfile`;

export function dockerRun(args: string[], options: { timeoutMs?: number } = {}): string {
  return execFileSync(docker, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 60_000 }).trim();
}

/** Why there is no running engine to build with, or undefined when there is one. */
function missingEngine(): string | undefined {
  try {
    dockerRun(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
    return undefined;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    return `no running Docker engine (${docker}: ${(stderr || (error as Error).message).split('\n')[0]})`;
  }
}

/** `npm run images`: one clear failure when there is no engine, instead of a dozen confusing ones. */
export function assertDockerEngine(): void {
  const missing = missingEngine();
  if (missing) {
    throw new Error(
      `${missing}; building the images needs one. Start one ` +
        '(`sudo systemctl start docker`, or Docker Desktop; CI starts its own) and run the command again.',
    );
  }
}

/**
 * The image tests' engine, as the other tests' tools (@myshop/testing's requiredTool): with none
 * running, they report themselves skipped by name with the line that gets one, and .ci/run, which
 * starts its own, fails on a skipped test.
 */
export function dockerEngineForTests(): { running: boolean; skipNote: string } {
  const missing = missingEngine();
  const install = 'apt-get install -y docker.io, then systemctl start docker';
  return { running: !missing, skipNote: missing ? ` (skipped: ${missing}; install: ${install})` : '' };
}

/** The base image a Dockerfile starts from (its `FROM <image> AS base`, which the other stages build on). */
export function baseImageOf(dockerfile: string): string {
  const match = /^FROM (\S+) AS base$/m.exec(readFileSync(repoPath(dockerfile), 'utf8'));
  if (!match) throw new Error(`${dockerfile} has no FROM <image> AS base`);
  return match[1]!;
}

export function assertImagePresent(image: string): void {
  try {
    dockerRun(['image', 'inspect', '--format', '{{.Id}}', image]);
  } catch {
    throw new Error(
      `The base image ${image} is not in the engine: pull it (docker pull ${image}), or tag an equivalent ` +
        `image of your own registry as ${image}, then run the image tests again.`,
    );
  }
}

export interface ImageInfo {
  id: string;
  size: number;
  config: {
    User?: string;
    ExposedPorts?: Record<string, unknown>;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Env?: string[];
    WorkingDir?: string;
  };
}

export function inspectImage(image: string): ImageInfo {
  const [info] = JSON.parse(dockerRun(['image', 'inspect', image])) as Array<{ Id: string; Size: number; Config: ImageInfo['config'] }>;
  return { id: info!.Id, size: info!.Size, config: info!.Config };
}

/**
 * `docker build` of one service's image (or of its `target` stage) with BuildKit, its output in `logFile`; rejects with the
 * log's tail when the build fails or outlasts `timeoutMs`.
 */
export function buildImage(
  service: string,
  tag: string,
  { timeoutMs = 20 * 60_000, logFile, target }: { timeoutMs?: number; logFile: string; target?: string },
): Promise<void> {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const child = spawn(
    docker,
    ['build', '--progress=plain', '-f', dockerfileOf(service), ...(target ? ['--target', target] : []), '-t', tag, '.'],
    {
      cwd: repoPath(),
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    },
  );
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      log.end(() => {
        if (code === 0) return resolve();
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
        reject(
          new Error(
            `docker build of ${service} ${signal ? `was stopped (${signal}, limit ${timeoutMs / 1000} s)` : `failed (exit ${code})`}; log ${logFile}:\n${tail}`,
          ),
        );
      });
    });
  });
}

export const megabytes = (bytes: number) => Math.round((bytes / 1_000_000) * 10) / 10;
