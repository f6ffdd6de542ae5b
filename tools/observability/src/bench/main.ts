/**
 * `npm run bench`: what the services cost, and what their telemetry costs.
 *
 * Starts, on this machine, a bare Fastify hello-world (the baseline), then the three services
 * with their embedded defaults (an embedded PostgreSQL each, no DATABASE_URL) once per telemetry
 * mode, all modes side by side: tracing off (the preload loads nothing), tracing on at the default
 * sampler (parent-based, 10 % of new traces) and at 100 %, exporting OTLP to a local sink process.
 * Metrics are always on (prom-client is part of every service), so "off" still pays for them; the
 * baseline bounds the cost of the whole platform. Each route is measured in every mode one after
 * the other, in rotating order, best of `--rounds` saturating runs (interference on a shared
 * machine only ever slows a run down), then held at half that rate for its p99. RSS per service
 * after the runs. Prints a table and writes reports/bench.json.
 *
 *   npm run bench                                  about 4 minutes on 2 cores
 *   npm run bench -- --duration 3 --rounds 1 --modes off,on
 *   npm run bench -- --cpu-prof                    V8 CPU profiles of the services (reports/profiles)
 *   npm run build && npm run bench -- --compiled   the services as the images run them (dist)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { repoRoot } from '../observability-files.ts';
import { startServiceProcess, type ServiceProcess } from '../service-process.ts';
import { load, type LoadResult, type LoadTarget } from './load.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    modes: { type: 'string', default: 'off,on,on-100' },
    out: { type: 'string', default: 'reports/bench.json' },
    'cpu-prof': { type: 'boolean', default: false },
    // Run apps/<service>/dist/server.js as the images do (after `npm run build`), not the sources.
    compiled: { type: 'boolean', default: false },
  },
});
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);
const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

type Mode = 'off' | 'on' | 'on-100';
const MODES: Record<Mode, { label: string; env: (sink: string) => Record<string, string> }> = {
  off: { label: 'telemetry off (metrics only)', env: () => ({}) },
  on: {
    label: 'metrics + tracing, default sampler (10 %)',
    env: (sink) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: sink }),
  },
  'on-100': {
    label: 'metrics + tracing, every trace sampled',
    env: (sink) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: sink, OTEL_TRACES_SAMPLER: 'parentbased_always_on' }),
  },
};
const modes = args.modes.split(',').map((mode) => mode.trim()) as Mode[];
for (const mode of modes) if (!(mode in MODES)) throw new Error(`unknown mode ${mode}: off, on, on-100`);

/** A child process that reports `{ type: 'listening', port }` over IPC. */
async function startHelper(script: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(import.meta.dirname, script), [], { execArgv: ['--conditions=@myshop/source'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return { child, port: message.port };
}

async function stopHelper(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
}

interface RouteResult {
  route: string;
  saturated: LoadResult;
  halfRate: LoadResult & { rate: number };
}

function check(route: string, result: LoadResult): LoadResult {
  if (result.non2xx + result.errors > 0) throw new Error(`${route}: ${result.non2xx} non-2xx answers and ${result.errors} errors: not a measure`);
  return result;
}

/** The better of two results: on a shared machine, interference only ever makes a run slower. */
const best = (a: LoadResult | undefined, b: LoadResult) => (!a || b.requestsPerSecond > a.requestsPerSecond ? b : a);

async function halfRate(route: string, target: LoadTarget, saturated: LoadResult): Promise<LoadResult & { rate: number }> {
  const rate = Math.max(1, Math.round(saturated.requestsPerSecond / 2));
  return { ...check(route, await load(target, { connections, durationSeconds, rate })), rate };
}

async function json<T>(url: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown } = {}): Promise<T> {
  const response = await request(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

interface RunningMode {
  mode: Mode;
  services: ServiceProcess[];
  targets: Array<{ route: string; target: LoadTarget }>;
}

/** The three services of one mode, on their own embedded databases, with a shopper and a cart to read. */
async function startMode(mode: Mode, dataDir: string, sinkUrl: string, logDir: string, profileDir: string | undefined): Promise<RunningMode> {
  const common: Record<string, string> = {
    DATA_DIR: join(dataDir, mode),
    LOG_LEVEL: 'info',
    // The bench logs in and signs up from one address, far more often than a person would.
    LOGIN_LIMIT_PER_IP: '1000000',
    LOGIN_LIMIT_PER_ACCOUNT: '1000000',
    REGISTER_LIMIT_PER_IP: '1000000',
    REGISTER_LIMIT_PER_ACCOUNT: '1000000',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    ...MODES[mode].env(sinkUrl),
  };
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, mode)}`] : [];
  const services: ServiceProcess[] = [];
  const start = async (service: string, env: Record<string, string> = {}) => {
    const process = await startServiceProcess(service, { ...common, OTEL_SERVICE_NAME: service, ...env }, { logFile: join(logDir, `${mode}-${service}.log`), execArgv, compiled: args.compiled });
    services.push(process);
    return process;
  };
  try {
    const user = await start('user');
    const jwks = `${user.url}/user/.well-known/jwks.json`;
    const payment = await start('payment', { JWKS_URL: jwks });
    const cart = await start('cart', { JWKS_URL: jwks, PAYMENT_URL: payment.url });

    const email = `bench-${randomUUID()}@example.com`;
    await json(`${user.url}/user/register`, { method: 'POST', body: { email, password: 'bench password 1', name: 'Bench' } });
    const { accessToken } = await json<{ accessToken: string }>(`${user.url}/user/login`, { method: 'POST', body: { email, password: 'bench password 1' } });
    const auth = { authorization: `Bearer ${accessToken}` };
    const { items } = await json<{ items: Array<{ id: string }> }>(`${cart.url}/cart/products?limit=2`);
    for (const item of items) await json(`${cart.url}/cart/items`, { method: 'POST', headers: auth, body: { productId: item.id, quantity: 1 } });
    const charge = JSON.stringify({ amount: 1999, currency: 'USD', card: { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' } });
    return {
      mode,
      services,
      targets: [
        { route: 'GET /cart/products', target: { url: `${cart.url}/cart/products` } },
        { route: 'GET /user/me', target: { url: `${user.url}/user/me`, headers: auth } },
        { route: 'GET /cart', target: { url: `${cart.url}/cart`, headers: auth } },
        {
          route: 'POST /payment/charges',
          target: {
            url: `${payment.url}/payment/charges`,
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: charge,
            // Every charge a new one: a repeated key would measure the replay, not the charge.
            perRequestHeaders: () => ({ 'idempotency-key': randomUUID() }),
          },
        },
      ],
    };
  } catch (error) {
    await Promise.all(services.map((service) => service.stop()));
    throw error;
  }
}

/**
 * Every route in every mode, mode after mode for one route before the next route, `rounds` times
 * in a rotating order, keeping each one's best run: the modes meet the same machine, whatever else
 * runs on it meanwhile. Then each at half its best rate, for the latency there.
 */
async function measureAll(running: RunningMode[], rounds: number): Promise<Map<Mode, RouteResult[]>> {
  const saturated = new Map<string, LoadResult>();
  const key = (mode: Mode, route: string) => `${mode} ${route}`;
  for (const { route } of running[0]!.targets) {
    for (const mode of running) await load(mode.targets.find((target) => target.route === route)!.target, { connections, durationSeconds: 2 });
    for (let round = 0; round < rounds; round += 1) {
      const order = [...running.slice(round % running.length), ...running.slice(0, round % running.length)];
      for (const mode of order) {
        const { target } = mode.targets.find((candidate) => candidate.route === route)!;
        saturated.set(key(mode.mode, route), best(saturated.get(key(mode.mode, route)), check(route, await load(target, { connections, durationSeconds }))));
      }
    }
    say(`  ${route.padEnd(22)} ${running.map((mode) => `${mode.mode} ${saturated.get(key(mode.mode, route))!.requestsPerSecond} req/s`).join(', ')}`);
  }
  const results = new Map<Mode, RouteResult[]>();
  for (const mode of running) {
    const routes: RouteResult[] = [];
    for (const { route, target } of mode.targets) {
      const best = saturated.get(key(mode.mode, route))!;
      routes.push({ route, saturated: best, halfRate: await halfRate(route, target, best) });
    }
    results.set(mode.mode, routes);
  }
  return results;
}

const load1 = loadavg()[0]!;
if (load1 > 1.5) say(`load average ${load1.toFixed(1)} on 2 cores: something else is running, the numbers will be lower than they should`);

const rounds = Number(args.rounds);
const dataDir = mkdtempSync(join(tmpdir(), 'myshop-bench-'));
// As root, each embedded PostgreSQL runs as its own user and must get through.
chmodSync(dataDir, 0o755);
const logDir = join(dataDir, 'logs');
mkdirSync(logDir);
const profileDir = args['cpu-prof'] ? join(repoRoot, 'reports/profiles') : undefined;
const sink = await startHelper('span-sink.ts');
const running: RunningMode[] = [];
try {
  say(`baseline: bare Fastify hello-world; then ${modes.join(', ')}; ${connections} connections, ${durationSeconds} s per run, best of ${rounds}`);
  const hello = await startHelper('hello-world.ts');
  const helloTarget = { url: `http://127.0.0.1:${hello.port}/` };
  await load(helloTarget, { connections, durationSeconds: 2 });
  let baselineBest: LoadResult | undefined;
  for (let round = 0; round < rounds; round += 1) baselineBest = best(baselineBest, check('baseline', await load(helloTarget, { connections, durationSeconds })));
  const baseline: RouteResult = { route: 'GET / (bare Fastify)', saturated: baselineBest!, halfRate: await halfRate('baseline', helloTarget, baselineBest!) };
  say(`  ${baseline.route.padEnd(22)} ${baseline.saturated.requestsPerSecond} req/s`);
  await stopHelper(hello.child);

  for (const mode of modes) running.push(await startMode(mode, dataDir, `http://127.0.0.1:${sink.port}`, logDir, profileDir));
  const measured = await measureAll(running, rounds);
  const results: ModeResult[] = [];
  for (const mode of running) {
    const rssMb = Object.fromEntries(mode.services.map((service) => [service.service, Math.round(service.rss() / 1_048_576)]));
    const heapMb: Record<string, { used: number; total: number }> = {};
    // What the V8 heap holds of that (prom-client's default metrics): live data versus room V8 keeps.
    for (const service of mode.services) {
      const text = await (await request(service.metricsUrl)).body.text();
      const value = (name: string) => Math.round(Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 1_048_576);
      heapMb[service.service] = { used: value('nodejs_heap_size_used_bytes'), total: value('nodejs_heap_size_total_bytes') };
    }
    results.push({ mode: mode.mode, label: MODES[mode.mode].label, routes: measured.get(mode.mode)!, rssMb, heapMb });
  }
  for (const result of results) {
    say(`  RSS ${result.mode}: ${Object.entries(result.rssMb).map(([service, mb]) => `${service} ${mb} MB (heap ${result.heapMb[service]!.used}/${result.heapMb[service]!.total})`).join(', ')}`);
  }
  sink.child.send({ type: 'stats' });
  const [spanStats] = (await once(sink.child, 'message')) as [{ exports: number; bytes: number }];

  const report = buildReport(baseline, results, spanStats);
  process.stdout.write(`${report.table}\n`);
  const out = join(repoRoot, args.out);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report.json, null, 2)}\n`);
  say(`written ${args.out}`);
} finally {
  await Promise.all(running.flatMap((mode) => mode.services.map((service) => service.stop())));
  await stopHelper(sink.child);
  rmSync(dataDir, { recursive: true, force: true });
}

interface ModeResult {
  mode: Mode;
  label: string;
  routes: RouteResult[];
  rssMb: Record<string, number>;
  heapMb: Record<string, { used: number; total: number }>;
}

function buildReport(baseline: RouteResult, results: ModeResult[], spans: { exports: number; bytes: number }) {
  const off = results.find((result) => result.mode === 'off');
  const rows: string[][] = [['mode', 'route', 'req/s', 'p50 ms', 'p99 ms', 'x baseline', 'overhead', 'half-rate', 'p99 ms']];
  rows.push(['-', baseline.route, String(baseline.saturated.requestsPerSecond), fmt(baseline.saturated.p50Ms), fmt(baseline.saturated.p99Ms), '1.00', '', String(baseline.halfRate.rate), fmt(baseline.halfRate.p99Ms)]);
  const json = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: 2, loadAverageAtStart: Number(load1.toFixed(2)), loadAverageAtEnd: Number(loadavg()[0]!.toFixed(2)), node: process.version },
    services: args.compiled ? 'compiled (apps/<service>/dist/server.js, as in the images)' : 'sources (apps/<service>/src/server.ts, as npm start)',
    settings: { connections, durationSeconds, rounds, warmupSeconds: 2, modes: results.map((result) => ({ mode: result.mode, label: result.label })) },
    baseline: { route: baseline.route, ...baseline.saturated, halfRate: baseline.halfRate },
    modes: results.map((result) => ({
      mode: result.mode,
      label: result.label,
      rssMb: result.rssMb,
      heapMb: result.heapMb,
      routes: result.routes.map((route) => {
        const reference = off?.routes.find((candidate) => candidate.route === route.route);
        return {
          route: route.route,
          ...route.saturated,
          ratioToBaseline: round(route.saturated.requestsPerSecond / baseline.saturated.requestsPerSecond),
          overheadPercentVsOff: reference && result.mode !== 'off' ? round((1 - route.saturated.requestsPerSecond / reference.saturated.requestsPerSecond) * 100, 1) : null,
          halfRate: route.halfRate,
        };
      }),
    })),
    spansExported: spans,
    targets: [] as Array<{ target: string; met: boolean; measured: string }>,
  };
  for (const mode of json.modes) {
    for (const route of mode.routes) {
      rows.push([
        mode.mode,
        route.route,
        String(route.requestsPerSecond),
        fmt(route.p50Ms),
        fmt(route.p99Ms),
        route.ratioToBaseline.toFixed(2),
        route.overheadPercentVsOff === null ? '' : `${route.overheadPercentVsOff.toFixed(1)} %`,
        String(route.halfRate.rate),
        fmt(route.halfRate.p99Ms),
      ]);
    }
  }
  // The targets, judged on what was measured.
  const on = json.modes.find((mode) => mode.mode === 'on');
  const offMode = json.modes.find((mode) => mode.mode === 'off');
  const dbRoutes = ['GET /user/me', 'GET /cart', 'POST /payment/charges'];
  if (on) {
    for (const route of on.routes.filter((candidate) => dbRoutes.includes(candidate.route))) {
      json.targets.push({ target: `${route.route}: tracing at the default sampler costs <= 15 % throughput`, met: (route.overheadPercentVsOff ?? 0) <= 15, measured: `${route.overheadPercentVsOff} %` });
    }
  }
  for (const mode of [offMode, on].filter((candidate) => candidate !== undefined)) {
    const catalogue = mode.routes.find((route) => route.route === 'GET /cart/products')!;
    json.targets.push({ target: `${mode.mode}: GET /cart/products >= 60 % of bare Fastify req/s`, met: catalogue.ratioToBaseline >= 0.6, measured: `${Math.round(catalogue.ratioToBaseline * 100)} %` });
    for (const route of mode.routes) {
      json.targets.push({ target: `${mode.mode}: ${route.route} p99 < 25 ms at half the saturating rate`, met: route.halfRate.p99Ms < 25, measured: `${route.halfRate.p99Ms} ms at ${route.halfRate.rate}/s` });
    }
    for (const [service, mb] of Object.entries(mode.rssMb)) json.targets.push({ target: `${mode.mode}: ${service} RSS < 160 MB`, met: mb < 160, measured: `${mb} MB` });
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  const table = [
    line(rows[0]!),
    `|${widths.map((width, column) => (column < 2 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
    ...rows.slice(1).map(line),
    '',
    `| mode | ${Object.keys(results[0]?.rssMb ?? {}).join(' | ')} |`,
    `|---|${Object.keys(results[0]?.rssMb ?? {}).map(() => '---:').join('|')}|`,
    ...results.map((result) => `| RSS MB (heap used/total), ${result.mode} | ${Object.entries(result.rssMb).map(([service, mb]) => `${mb} (${result.heapMb[service]!.used}/${result.heapMb[service]!.total})`).join(' | ')} |`),
    '',
    ...json.targets.map((target) => `${target.met ? 'met   ' : 'MISSED'}  ${target.target}: ${target.measured}`),
  ].join('\n');
  return { table, json };
}

function fmt(value: number): string {
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1);
}

function round(value: number, digits = 2): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
