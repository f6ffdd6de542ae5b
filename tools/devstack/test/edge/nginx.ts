import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@myshop/testing';
import { nginxConfig, type NginxConfigOptions } from '../../src/edge/ingress-nginx-config.ts';

export interface RunningNginx {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** The generated nginx.conf. */
  config: string;
  /** What nginx logged at warn and above (broken pipes, upstream errors). */
  errorLog(): string;
  stop(): Promise<void>;
}

/** Debian's `nobody`/`nogroup`: who nginx runs as when started by root. */
const NOBODY = 65_534;

/**
 * Runs nginx (`binary`) in the foreground as this user (as `nobody` when this is root, as
 * ingress-nginx runs unprivileged), with its own prefix, configuration and
 * logs in a temporary directory, configured from `ingresses` by `nginxConfig`.
 */
export async function startNginx(binary: string, options: Pick<NginxConfigOptions, 'ingresses' | 'endpoints'>): Promise<RunningNginx> {
  const runDir = mkdtempSync(join(tmpdir(), 'myshop-nginx-'));
  const port = await freePort();
  const config = nginxConfig({ ...options, listen: `127.0.0.1:${port}`, runDir });
  const file = join(runDir, 'nginx.conf');
  writeFileSync(file, config);
  const user = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
  if (user.uid !== undefined) chownSync(runDir, user.uid, user.gid);
  const args = ['-p', runDir, '-c', file, '-e', join(runDir, 'error.log'), '-g', 'daemon off;'];
  // Fails here, naming the problem, if the configuration is wrong.
  execFileSync(binary, [...args.slice(0, 6), '-t', '-q'], { stdio: 'pipe', ...user });
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const errorLog = () => {
    try {
      return readFileSync(join(runDir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  for (let attempt = 0; !(await accepts(port)); attempt += 1) {
    if (child.exitCode !== null || attempt > 100) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${stderr}${errorLog()}`);
    }
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // SIGQUIT: a graceful stop, open connections finish first.
        child.kill('SIGQUIT');
        await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
      }
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
