/**
 * `node --import @myshop/telemetry/preload apps/<service>/dist/server.js`: tracing starts before
 * the app (and Fastify, undici, pg) is imported, so their instrumentation hooks are in place.
 * Configured only by the standard OTEL_* variables; without an OTLP endpoint it loads nothing.
 */
import { telemetrySettings } from './settings.ts';

if (telemetrySettings().enabled) {
  const { startTelemetry } = await import('./start-telemetry.ts');
  startTelemetry();
}
