import type { ChildProcess } from 'node:child_process';
import { forkService, type ForkedService } from '@myshop/server';

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

/**
 * One service process, like one pod: started with the service's own entry point through
 * forkService (it reports where it listens over IPC), its output handed line by line to the log
 * printer.
 */
export class Replica {
  readonly spec: ReplicaSpec;
  private forked?: ForkedService;
  private starting?: Promise<void>;
  private readonly startAbort = new AbortController();
  private stopped?: Promise<number | null>;

  constructor(spec: ReplicaSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  /** Whether we asked it to stop; an exit without that is a crash to restart from. */
  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  get child(): ChildProcess | undefined {
    return this.forked?.child;
  }

  get port(): number {
    return this.forked?.port ?? 0;
  }

  get metricsPort(): number {
    return this.forked?.metricsPort ?? 0;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once the service listens; rejects if it exits first (bad config, port taken…). */
  async start(): Promise<void> {
    this.starting = this.fork();
    await this.starting;
  }

  private async fork(): Promise<void> {
    this.forked = await forkService(this.spec.entry, {
      name: this.name,
      // Its own process group: a terminal's Ctrl-C reaches the supervisor only, which then stops
      // replicas in order. If the supervisor dies, the IPC channel closes and the replica stops.
      detached: true,
      env: this.spec.env,
      execArgv: ['--conditions=@myshop/source', '--import', TELEMETRY_PRELOAD],
      onLine: (line) => this.spec.onLine(this.name, line),
      signal: this.startAbort.signal,
    });
  }

  /**
   * SIGTERM, as the kubelet sends: the service drains and exits on its own. One still starting
   * gets it at once, rather than once it listens. Asked again while it drains, it waits for the
   * same exit: a second signal would make the service exit at once.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.stopped) return this.stopped;
    if (!this.starting) return null;
    if (!this.forked) this.startAbort.abort();
    this.stopped = this.starting.then(
      // Started after all (it listened before the abort reached it), or started long ago.
      () => (this.running ? this.forked!.stop(signal) : (this.child?.exitCode ?? null)),
      () => null,
    );
    return this.stopped;
  }

  get running(): boolean {
    const child = this.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }
}
