/**
 * `npm start`: the whole shop on this machine, no cluster and no database server needed.
 *   npm start                       every service, one replica each, gateway on 127.0.0.1:8080
 *   npm start -- --replicas 3       three replicas per service behind each Service stand-in
 *   npm start -- --port 9090 --services user
 *   npm start -- --watch            a saved file restarts the replicas of the services that run it
 *   npm start -- --routes gateway-api   route by the Gateway API component's HTTPRoute, not the Ingress
 * Then: curl --resolve myshop.com:8080:127.0.0.1 http://myshop.com:8080/user/register …
 * Ctrl-C drains every replica and stops the embedded databases.
 */
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onStopSignal } from '@myshop/server';
import { createLogPrinter } from './log-printer.ts';
import { discoverServices, ROUTE_FILES, startStack, type RouteSource, type Stack } from './stack.ts';
import { startWatchMode, type WatchMode } from './watch/watch-mode.ts';

const USAGE = `npm start [-- options]: the whole shop on this machine, no cluster and no database server needed
  --replicas N      replicas per service, 1 to 10 (default 1)
  --port N          the gateway's port for host myshop.com (default 8080)
  --services a,b    only these services (default: user, cart and payment)
  --routes R        what the gateway routes by: ingress (k8s/base/ingress, default) or gateway-api
                    (the HTTPRoute of k8s/components/gateway-api)
  --watch           a saved file restarts the replicas of the services that run it
  --help            this text
`;
const say = (message: string) => process.stderr.write(`[devstack] ${message}\n`);
/** What went wrong and what to do, without a stack trace: the messages name the fix. */
function fail(message: string): never {
  say(`cannot start: ${message}`);
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      replicas: { type: 'string', default: '1' },
      port: { type: 'string', default: '8080' },
      services: { type: 'string' },
      routes: { type: 'string', default: 'ingress' },
      watch: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  fail(`${(error as Error).message} (npm start -- --help lists the options)`);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const replicas = Number(values.replicas);
const port = Number(values.port);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 10) fail('--replicas must be a whole number from 1 to 10');
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be a TCP port');
const routeSources = Object.keys(ROUTE_FILES) as RouteSource[];
const routes = routeSources.find((source) => source === values.routes);
if (!routes) fail(`--routes must be ${routeSources.join(' or ')}`);

const root = resolve(import.meta.dirname, '../../..');
const known = discoverServices(root);
const services = values.services?.split(',').map((name) => name.trim());
// split() gives at least one name, an empty one for `--services ""`: each is checked here.
const unknown = services?.filter((name) => !known.includes(name)) ?? [];
if (unknown.length > 0) {
  fail(
    `--services: ${unknown.map((name) => (name ? `no service ${name}` : 'an empty name')).join(', ')}; the services are ${known.join(', ')}`,
  );
}

// Before anything starts: a gateway port in use would otherwise show only after the databases
// and every replica (about 20 s), with nothing started left to show for it.
const portProblem = port === 0 ? undefined : await listenError(port);
if (portProblem === 'EADDRINUSE') {
  fail(`port ${port} is in use (another npm start?): stop what holds it, or pick another port with --port 9090`);
} else if (portProblem === 'EACCES') {
  fail(`port ${port} needs privileges this user lacks (ports below 1024 usually do): pick another port with --port 9090`);
} else if (portProblem) {
  fail(`port ${port} cannot be listened on (${portProblem}): pick another port with --port 9090`);
}

let stack: Stack;
try {
  stack = await startStack({
    root,
    replicas,
    gatewayPort: port,
    services,
    routes,
    printLine: createLogPrinter(Boolean(process.stdout.isTTY)),
    log: say,
  });
} catch (error) {
  fail((error as Error).message);
}

for (const service of stack.services.values()) {
  const replicaList = service.replicas.map((replica) => `${replica.name} :${replica.port} (metrics :${replica.metricsPort})`).join(', ');
  say(`${service.name}-service at ${service.url} → ${replicaList}`);
  // For the commands that work on a service's data, e.g. granting an operator (see the README).
  say(`${service.name} database: ${service.databaseUrl}`);
}
const { port: gatewayPort } = new URL(stack.gatewayUrl);
say(`gateway for host myshop.com at ${stack.gatewayUrl} (routes of ${ROUTE_FILES[routes]})`);
say(`try: curl --resolve myshop.com:${gatewayPort}:127.0.0.1 http://myshop.com:${gatewayPort}/user/.well-known/jwks.json`);
const watchMode: WatchMode | undefined = values.watch ? startWatchMode({ root, stack, log: say }) : undefined;

// The services' own stop-signal policy: a Ctrl-C that npm delivers twice counts once, a later
// one exits at once. Watch mode starts no more restarts; one under way is given up as the stack
// stops its new replicas with the rest, rather than waited for.
onStopSignal(
  (signal) => {
    say(`${signal}: draining every replica…`);
    Promise.all([watchMode?.close(), stack.stop()]).then(
      () => {
        say('stopped');
        process.exit(0);
      },
      (error: Error) => {
        say(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  },
  { warn: (_details, message) => say(message) },
);

/** Why the gateway could not listen on `candidate` (EADDRINUSE, EACCES…), or nothing if it can. */
function listenError(candidate: number): Promise<string | undefined> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    probe.listen({ host: '127.0.0.1', port: candidate }, () => probe.close(() => done(undefined)));
  });
}
