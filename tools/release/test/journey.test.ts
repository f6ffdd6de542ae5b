/**
 * The journey command (CI's kind job runs it through each controller) against the shop as
 * `npm start` runs it: every service in its own process with its own embedded PostgreSQL, behind
 * the local gateway that routes like the Ingress. Then against front doors that fail, to show it
 * says which step broke.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyCommand, runJourney } from '../src/journey.ts';
import { repoRoot } from '../src/repo.ts';

let devstack: ChildProcess | undefined;
let gatewayUrl = '';
const devstackOutput: string[] = [];

beforeAll(async () => {
  // `npm start -- --port 0`, without npm in between (so the signal below reaches the stack).
  devstack = spawn(process.execPath, ['--conditions=@myshop/source', 'tools/devstack/src/main.ts', '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  devstack.stdout!.on('data', (chunk: Buffer) => void devstackOutput.push(chunk.toString()));
  gatewayUrl = await new Promise<string>((resolve, reject) => {
    devstack!.stderr!.on('data', (chunk: Buffer) => {
      devstackOutput.push(chunk.toString());
      const found = /gateway for host myshop\.com at (http:\/\/\S+)/.exec(devstackOutput.join(''));
      if (found) resolve(found[1]!);
    });
    devstack!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${devstackOutput.join('').slice(-3000)}`)));
  });
}, 240_000);

afterAll(async () => {
  if (devstack && devstack.exitCode === null) {
    devstack.kill('SIGTERM');
    await once(devstack, 'exit');
  }
}, 60_000);

describe('npm run journey', () => {
  it('walks register → login → products → cart → checkout → charges through npm start’s gateway', async () => {
    const lines: string[] = [];
    const result = await runJourney({ baseUrl: gatewayUrl, waitSeconds: 30, log: (line) => lines.push(line) });
    expect(result.steps.map((step) => `${step.name} ${step.status}`)).toEqual([
      'register 201',
      'login 200',
      'products 200',
      'add to cart 201',
      'checkout 201',
      'charges 200',
    ]);
    expect(result.chargeId).toEqual(expect.any(String));
    expect(result.amount).toBeGreaterThan(0);
    expect(lines).toHaveLength(6);
  }, 120_000);

  it('as a command: says each step and exits 0; with another Host the gateway routes nothing and it exits 1', async () => {
    let output = '';
    expect(await journeyCommand(['--base-url', gatewayUrl], (text) => void (output += text))).toBe(0);
    expect(output).toMatch(/^register\s+201 .*\n(.*\n){5}journey passed: order \S+, charge \S+, amount \d+ \(minor units\)\n$/);
    output = '';
    expect(await journeyCommand(['--base-url', gatewayUrl, '--host', 'example.org'], (text) => void (output += text))).toBe(1);
    expect(output).toMatch(
      /^journey failed: journey step "front door": expected 200 from \/user\/\.well-known\/jwks\.json within 0 s, got 404/,
    );
  }, 120_000);
});

describe('a journey that breaks', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    app = Fastify();
    app.get('/user/.well-known/jwks.json', async () => ({ keys: [] }));
    app.post('/user/register', async (_request, reply) =>
      reply.code(409).send({ statusCode: 409, code: 'USER_EMAIL_TAKEN', error: 'Conflict', message: 'taken' }),
    );
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('names the step, what it expected and what came back', async () => {
    await expect(runJourney({ baseUrl: url })).rejects.toThrow(
      'journey step "register": expected 201, got 409 {"statusCode":409,"code":"USER_EMAIL_TAKEN"',
    );
  });

  it('waits for a front door that is not there yet, then gives up naming it', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    const started = Date.now();
    await expect(runJourney({ baseUrl: `http://127.0.0.1:${port}`, waitSeconds: 1 })).rejects.toThrow(
      /journey step "front door": expected 200 .* within 1 s, got .*ECONNREFUSED/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('refuses a command line without a base URL (exit 2, usage)', async () => {
    let output = '';
    expect(await journeyCommand([], (text) => void (output += text))).toBe(2);
    expect(output).toContain('usage: npm run journey -- --base-url');
    output = '';
    expect(await journeyCommand(['--base-url', 'http://x', '--bogus'], (text) => void (output += text))).toBe(2);
    expect(output).toContain("Unknown option '--bogus'");
  });
});
