/**
 * What the standard OTEL_* variables say about tracing, decided in one place so that the preload,
 * the tests and the README agree. Tracing is ON only when all of these hold:
 *   - OTEL_SDK_DISABLED is not `true`;
 *   - OTEL_TRACES_EXPORTER is not `none`;
 *   - somewhere to send spans is named: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 *     OTEL_EXPORTER_OTLP_ENDPOINT, or an explicit OTEL_TRACES_EXPORTER (e.g. `console`).
 * Otherwise it is OFF and the SDK is never even loaded: an unset environment costs nothing, and a
 * service never tries to reach an OTLP endpoint that nobody configured (the SDK's own default,
 * http://localhost:4318, would fail on every export).
 */
export type TelemetrySettings =
  | { enabled: false; reason: string }
  | {
      enabled: true;
      serviceName: string;
      /** The sampler the SDK reads from OTEL_TRACES_SAMPLER, or ours when that is unset. */
      sampler: { name: string; ratio?: number; fromEnv: boolean };
    };

/** Without OTEL_TRACES_SAMPLER: keep the caller's decision, and sample 10 % of new traces. */
export const DEFAULT_SAMPLE_RATIO = 0.1;

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

export function telemetrySettings(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): TelemetrySettings {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters[0] === 'none') return { enabled: false, reason: 'OTEL_TRACES_EXPORTER=none' };
  if (!set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && !set(env.OTEL_EXPORTER_OTLP_ENDPOINT) && exporters.length === 0) {
    return { enabled: false, reason: 'no OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER' };
  }
  return { enabled: true, serviceName: serviceName(env, argv), sampler: sampler(env) };
}

/**
 * OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) wins; otherwise the app the
 * process runs (`apps/cart/…/server.js` → `cart`), never the SDK's `unknown_service:node`.
 */
function serviceName(env: NodeJS.ProcessEnv, argv: readonly string[]): string {
  if (set(env.OTEL_SERVICE_NAME)) return env.OTEL_SERVICE_NAME.trim();
  const fromAttributes = /(?:^|,)\s*service\.name=([^,]+)/.exec(env.OTEL_RESOURCE_ATTRIBUTES ?? '')?.[1];
  const decoded = fromAttributes === undefined ? undefined : percentDecoded(fromAttributes.trim());
  if (decoded) return decoded;
  const entry = argv[1] ?? '';
  return /(?:^|[/\\])apps[/\\]([^/\\]+)[/\\]/.exec(entry)?.[1] ?? 'unknown_service:node';
}

/**
 * A value of OTEL_RESOURCE_ATTRIBUTES, percent-decoded; undefined when malformed (a `%` without two
 * hex digits), which the SDK discards too: a tracing setting never stops a service from starting.
 */
function percentDecoded(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function sampler(env: NodeJS.ProcessEnv): { name: string; ratio?: number; fromEnv: boolean } {
  if (set(env.OTEL_TRACES_SAMPLER)) {
    const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG);
    const name = env.OTEL_TRACES_SAMPLER.trim();
    return name.endsWith('traceidratio') && Number.isFinite(ratio) ? { name, ratio, fromEnv: true } : { name, fromEnv: true };
  }
  return { name: 'parentbased_traceidratio', ratio: DEFAULT_SAMPLE_RATIO, fromEnv: false };
}
