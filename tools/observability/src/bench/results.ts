import type { Argon2Limit } from './argon2-limit.ts';
import type { Mode } from './args.ts';
import type { LoadResult } from './load.ts';
import type { LoginCpu } from './login-cpu.ts';
import type { SuccessMeasure } from './measure.ts';

/** The routes measured in every mode. */
export const ROUTES = ['GET /cart/products', 'GET /user/me', 'GET /cart', 'POST /payment/charges'] as const;
export type Route = (typeof ROUTES)[number];

/** A route's best saturating run, then a run held at half its rate. */
export interface RouteMeasure {
  saturated: LoadResult;
  halfRate: LoadResult & { rate: number };
}

/** What a route is held against: the same page from a bare Fastify, or the bare peer for a database route. */
export interface Yardstick {
  name: 'same page' | 'bare peer';
  measure: RouteMeasure;
}

export interface ServiceMemory {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** In a memory cgroup with its Deployment's limit (and the pod's memory env), or plain RSS on the host. */
  podConditions: boolean;
  /** How it ran, said in the report: the limit and env, or why there was no cgroup. */
  conditions: string;
}

export interface ModeResults {
  mode: Mode;
  label: string;
  routes: Record<Route, RouteMeasure>;
  memory: Record<string, ServiceMemory>;
}

export interface LoginResults {
  /** The mode whose user service was measured (the first): its RSS afterwards includes argon2's memory. */
  mode: Mode;
  /** Successful logins (200) per second; any other answer is kept there and fails the target. */
  saturated: SuccessMeasure;
  limit: Argon2Limit;
  /** Where each login's CPU went, in the service and its database; undefined where /proc is not there. */
  cpu?: LoginCpu;
}

export interface RoundTripResults {
  charges: number;
  roundTrips: number;
  /** The statements of one charge, as sent. */
  statements: string[];
}

export interface BenchResults {
  yardsticks: Record<Route, Yardstick>;
  modes: ModeResults[];
  login: LoginResults;
  roundTrips: RoundTripResults;
}
