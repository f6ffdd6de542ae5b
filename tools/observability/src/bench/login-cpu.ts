import { processTreeCpuMs, threadsCpu } from './process-cpu.ts';

/** What Node names the threads of libuv's pool, where node:crypto runs argon2. */
const POOL_THREAD = 'libuv-worker';

/** The CPU the user service and its database had used at one moment, by where it went. */
export interface LoginCpuReading {
  /** libuv's pool: argon2 (the pool's other work, files and DNS, is nothing beside it). */
  hashingMs: number;
  /** The main thread: HTTP, validation, queries, the token, logging. */
  eventLoopMs: number;
  /** Every other thread of the service: V8's (garbage collection, compilation) and Node's own. */
  otherThreadsMs: number;
  /** The service's PostgreSQL server and its backends. */
  databaseMs: number;
}

/** CPU per successful login over a measured stretch, by where it went, and what that allows. */
export interface LoginCpu extends LoginCpuReading {
  logins: number;
  totalMs: number;
  /** The cores the service and its database could use. */
  cores: number;
  /** At this CPU per login, the most logins per second the cores could serve. */
  ceilingPerSecond: number;
}

/** The user service's (`servicePid`) and its database's (`databaseRootPid` and below) CPU now; undefined without /proc. */
export function readLoginCpu(servicePid: number, databaseRootPid: number): LoginCpuReading | undefined {
  const threads = threadsCpu(servicePid);
  const databaseMs = processTreeCpuMs(databaseRootPid);
  if (!threads || databaseMs === undefined) return undefined;
  const reading = { hashingMs: 0, eventLoopMs: 0, otherThreadsMs: 0, databaseMs };
  for (const thread of threads) {
    if (thread.tid === servicePid) reading.eventLoopMs += thread.cpuMs;
    else if (thread.name === POOL_THREAD) reading.hashingMs += thread.cpuMs;
    else reading.otherThreadsMs += thread.cpuMs;
  }
  return reading;
}

/**
 * The CPU of each login between two readings, on `cores` cores. The logins answered after the
 * load generator stopped (at most one per connection) are not counted but their CPU is, so the
 * figures lean a little high.
 */
export function loginCpu(before: LoginCpuReading, after: LoginCpuReading, logins: number, cores: number): LoginCpu {
  if (logins < 1) throw new Error('no successful login to share the CPU between');
  const per = (key: keyof LoginCpuReading) => (after[key] - before[key]) / logins;
  const spent = {
    hashingMs: per('hashingMs'),
    eventLoopMs: per('eventLoopMs'),
    otherThreadsMs: per('otherThreadsMs'),
    databaseMs: per('databaseMs'),
  };
  const totalMs = spent.hashingMs + spent.eventLoopMs + spent.otherThreadsMs + spent.databaseMs;
  return { ...spent, logins, totalMs, cores, ceilingPerSecond: (cores * 1000) / totalMs };
}
