import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (user + system) of processes and threads as Linux counts it in /proc: what a process
 * and its PostgreSQL server spent, thread by thread, whatever else ran on the cores meanwhile.
 * Elsewhere (no /proc) every reading is undefined.
 */

/** /proc counts in USER_HZ ticks, 100 a second on every architecture Node runs on (x86, arm, ppc, s390). */
const MS_PER_TICK = 10;

export interface ProcStat {
  /** The process's (or thread's) name, `comm`: what Node calls its threads (`libuv-worker`, `V8Worker`). */
  name: string;
  parentPid: number;
  cpuMs: number;
}

/**
 * One line of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat. The name sits in brackets and
 * may hold spaces and brackets itself, so the fields are counted from the last `)`.
 */
export function parseProcStat(line: string): ProcStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open === -1 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  // After the name: state (field 3), ppid (4), … utime (14), stime (15).
  const fields = line
    .slice(close + 2)
    .trim()
    .split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const parentPid = Number(fields[1]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isInteger(parentPid)) {
    throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  }
  return { name: line.slice(open + 1, close), parentPid, cpuMs: (utime + stime) * MS_PER_TICK };
}

export interface ThreadCpu extends ProcStat {
  tid: number;
}

/** Each live thread of `pid` with the CPU it has used; undefined where /proc is not there. */
export function threadsCpu(pid: number): ThreadCpu[] | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  return tids.flatMap((tid) => {
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    return stat ? [{ ...stat, tid: Number(tid) }] : [];
  });
}

/**
 * The CPU used by `rootPid` and every live process under it (a PostgreSQL server and its
 * backends under the process that started it); undefined where /proc is not there. A process
 * that has exited is counted no more: read it while the processes it measures still run.
 */
export function processTreeCpuMs(rootPid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  const stats = new Map<number, ProcStat>();
  for (const entry of entries) {
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat) stats.set(Number(entry), stat);
  }
  if (!stats.has(rootPid)) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) {
    const siblings = children.get(stat.parentPid);
    if (siblings) siblings.push(pid);
    else children.set(stat.parentPid, [pid]);
  }
  let total = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    total += stats.get(pid)?.cpuMs ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * A stat file, or undefined when its process or thread ended before it was read (or cannot be
 * read at all): a reading over every process must not fail on one that went away meanwhile.
 */
function readStat(path: string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
