/** `npm start`'s options: a mistake is one line naming the fix, before anything is started or written. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = resolve(root, 'tools/devstack/src/main.ts');
const UNPRIVILEGED_PORT_START = '/proc/sys/net/ipv4/ip_unprivileged_port_start';

function npmStart(...args: string[]) {
  return run(process.execPath, '--conditions=@myshop/source', main, ...args);
}

function run(command: string, ...args: string[]) {
  const spawned = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: spawned.status, stdout: spawned.stdout, stderr: spawned.stderr };
}

describe('npm start -- <options>', () => {
  it.each([
    [['--services', 'carts'], '--services: no service carts; the services are cart, payment, user'],
    [['--services', 'user,,cart'], '--services: an empty name; the services are cart, payment, user'],
    [['--replicas', '0'], '--replicas must be a whole number from 1 to 10'],
    [['--routes', 'nginx'], '--routes must be ingress or gateway-api'],
    [['--bogus'], "Unknown option '--bogus' (npm start -- --help lists the options)"],
  ])('refuses %j in one line, without a stack trace, and starts nothing', (args, message) => {
    const run = npmStart(...args);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`[devstack] cannot start: ${message}\n`);
    expect(existsSync(resolve(root, '.data/carts'))).toBe(false);
  });

  it('names a gateway port in use, and the way out, before it starts anything', async () => {
    const taken = createServer();
    await new Promise<void>((listening) => taken.listen({ host: '127.0.0.1', port: 0 }, listening));
    onTestFinished(() => new Promise<void>((closed) => taken.close(() => closed())));
    const { port } = taken.address() as AddressInfo;
    const run = npmStart('--port', String(port));
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `[devstack] cannot start: port ${port} is in use (another npm start?): stop what holds it, or pick another port with --port 9090\n`,
    );
  });

  // The highest privileged port, where the system keeps any (Linux: below ip_unprivileged_port_start).
  const privilegedPort = existsSync(UNPRIVILEGED_PORT_START) ? Number(readFileSync(UNPRIVILEGED_PORT_START, 'utf8')) - 1 : 0;

  it.skipIf(privilegedPort < 1)(
    `says a privileged port is one, not that it is in use${privilegedPort < 1 ? ' (skipped: this system keeps no port privileged)' : ''}`,
    () => {
      // Without the capability to bind privileged ports, as a user who is not root runs it: root
      // drops it through setpriv (util-linux); any other user has none to drop.
      const node = [process.execPath, '--conditions=@myshop/source', main, '--port', String(privilegedPort)];
      const spawned =
        process.getuid?.() === 0 ? run('setpriv', '--bounding-set', '-net_bind_service', ...node) : run(node[0]!, ...node.slice(1));
      expect(spawned.status).toBe(1);
      expect(spawned.stderr).toBe(
        `[devstack] cannot start: port ${privilegedPort} needs privileges this user lacks (ports below 1024 usually do): pick another port with --port 9090\n`,
      );
    },
  );

  it('lists its options with --help', () => {
    const run = npmStart('--help');
    expect(run.status).toBe(0);
    for (const option of ['--replicas', '--port', '--services', '--routes', '--watch']) expect(run.stdout).toContain(option);
  });
});
