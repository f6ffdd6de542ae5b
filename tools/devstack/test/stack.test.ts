import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { WAIT_FOR_LOG_LINES } from '@myshop/testing';
import { startStack } from '../src/index.ts';

const root = resolve(import.meta.dirname, '../../..');

async function call(gatewayUrl: string, method: string, path: string, options: { body?: unknown; token?: string; host?: string } = {}) {
  const response = await request(`${gatewayUrl}${path}`, {
    method: method as 'GET',
    headers: {
      host: options.host ?? 'myshop.com',
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as Record<string, unknown> };
}

/** Two user replicas in a throw-away data directory, stopped and removed after the test. */
async function startUserStack(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'myshop-stack-'));
  // As root, the embedded PostgreSQL runs as its own user and must get through.
  chmodSync(dataDir, 0o755);
  const lines: string[] = [];
  const stack = await startStack({
    root,
    services: ['user'],
    replicas: 2,
    gatewayPort: 0,
    dataDir,
    env,
    printLine: (replica, line) => void lines.push(`${replica} ${line}`),
    log: (message) => void lines.push(`[devstack] ${message}`),
  });
  onTestFinished(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { stack, lines };
}

describe('startStack (npm start)', () => {
  it('serves register → login → me through the gateway for host myshop.com, over two replicas', async () => {
    const { stack, lines } = await startUserStack();

    const account = { email: 'stack@example.com', password: 'correct horse', name: 'Stack' };
    const registered = await call(stack.gatewayUrl, 'POST', '/user/register', { body: account });
    expect(registered.status).toBe(201);
    const login = await call(stack.gatewayUrl, 'POST', '/user/login', { body: { email: account.email, password: account.password } });
    expect(login.status).toBe(200);
    const token = String(login.body.accessToken);
    // Both replicas share one database and one signing key: any of them accepts the token.
    for (let i = 0; i < 4; i += 1) {
      const me = await call(stack.gatewayUrl, 'GET', '/user/me', { token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: account.email });
    }
    // Request lines reach stdout in batches, a quarter of a second late at most.
    await vi.waitFor(() => {
      const servedBy = new Set(lines.filter((line) => line.includes('"url":"/user/me"')).map((line) => line.split(' ')[0]));
      expect(servedBy.size).toBe(2);
    }, WAIT_FOR_LOG_LINES);

    const otherHost = await call(stack.gatewayUrl, 'GET', '/user/me', { host: 'example.org', token });
    expect(otherHost.status).toBe(404);
    const unrouted = await call(stack.gatewayUrl, 'GET', '/livez');
    expect(unrouted.status).toBe(404);
    // Starting embedded databases and replicas on a busy machine takes a while.
  }, 180_000);
});

describe('a replica that gets SIGTERM from outside the stack (kill, a person, an orchestrator)', () => {
  it('leaves the rotation while it still serves, drains, and is started again: no request fails', async () => {
    const { stack, lines } = await startUserStack({
      LOGIN_LIMIT_PER_IP: '100000',
      LOGIN_LIMIT_PER_ACCOUNT: '100000',
      LOGIN_LIMIT_PER_ACCOUNT_UNKNOWN_ADDRESSES: '100000',
      LOG_LEVEL: 'warn',
    });
    const account = { email: 'sigterm@example.com', password: 'correct horse', name: 'Term' };
    expect((await call(stack.gatewayUrl, 'POST', '/user/register', { body: account })).status).toBe(201);

    // Logins are POSTs: the gateway may not send one twice, so each must reach a replica that answers it.
    const answers: Array<number | string> = [];
    let running = true;
    const client = async () => {
      while (running) {
        const answer = await call(stack.gatewayUrl, 'POST', '/user/login', {
          body: { email: account.email, password: account.password },
        }).then(
          (response) => response.status,
          (error: { code?: string }) => error.code ?? 'error',
        );
        answers.push(answer);
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const user = stack.services.get('user')!;
    const victim = user.replicas[0]!;
    const exited = once(victim.child!, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    process.kill(victim.child!.pid!, 'SIGTERM');
    const [code] = await exited;
    const deadline = Date.now() + 120_000;
    while (user.replicas[0] === victim || user.endpoints.ready().length < 2) {
      if (Date.now() > deadline) throw new Error(`no replacement for ${victim.name}:\n${lines.slice(-30).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    running = false;
    await Promise.all(clients);

    expect(code).toBe(0);
    expect(lines).toContainEqual(expect.stringContaining(`${victim.name} out of rotation: /readyz 503 (instance is draining)`));
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((answer) => answer !== 200)).toEqual([]);
  }, 300_000);
});
