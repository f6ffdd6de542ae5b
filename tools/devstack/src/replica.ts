import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * Tracing starts before the service is imported, as in the images: the preload reads the OTEL_*
 * variables (none set: it loads nothing). Resolved here, so a replica's working directory does not matter.
 */
const TELEMETRY_PRELOAD = import.meta.resolve('@myshop/telemetry/preload');

export interface ReplicaSpec {
  service: string;
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  onLine(replica: string, line: string): void;
}

export interface ListeningMessage {
  type: 'listening';
  port: number;
  metricsPort: number;
}

/**
 * One service process, like one pod: started with the service's own entry point, reporting
 * where it listens over IPC, its output handed line by line to the log printer.
 */
export class Replica {
  readonly spec: ReplicaSpec;
  child?: ChildProcess;
  port = 0;
  metricsPort = 0;
  /** Set when we asked it to stop; an exit without it is a crash to restart from. */
  stopping = false;

  constructor(spec: ReplicaSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once the service listens; rejects if it exits first (bad config, port taken…). */
  async start(): Promise<void> {
    this.stopping = false;
    const child = fork(this.spec.entry, [], {
      // Its own process group: a terminal's Ctrl-C reaches the supervisor only, which then stops
      // replicas in order. If the supervisor dies, the IPC channel closes and the replica stops.
      detached: true,
      env: this.spec.env,
      execArgv: ['--conditions=@myshop/source', '--import', TELEMETRY_PRELOAD],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.spec.onLine(this.name, line));
    }
    const listening = new Promise<ListeningMessage>((resolve, reject) => {
      child.on('message', (message: ListeningMessage) => message?.type === 'listening' && resolve(message));
      child.once('exit', (code, signal) => reject(new Error(`${this.name} exited during start-up (${signal ?? `code ${code}`})`)));
    });
    const message = await listening;
    this.port = message.port;
    this.metricsPort = message.metricsPort;
  }

  /** SIGTERM, as the kubelet sends: the service drains and exits on its own. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    this.stopping = true;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill(signal);
    const [code] = await exited;
    return code;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }
}
