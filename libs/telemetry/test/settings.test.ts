import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLE_RATIO, telemetrySettings } from '../src/settings.ts';

const argv = ['/usr/bin/node', '/app/apps/cart/dist/server.js'];

describe('telemetrySettings', () => {
  it('is off when nothing names an exporter: no endpoint, no OTEL_TRACES_EXPORTER', () => {
    expect(telemetrySettings({}, argv)).toMatchObject({ enabled: false });
    expect(telemetrySettings({ OTEL_SERVICE_NAME: 'cart', OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, argv)).toMatchObject({ enabled: false });
  });

  it('is off when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever else is set', () => {
    expect(telemetrySettings({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, argv)).toEqual({
      enabled: false,
      reason: 'OTEL_SDK_DISABLED=true',
    });
    expect(telemetrySettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, argv)).toEqual({
      enabled: false,
      reason: 'OTEL_TRACES_EXPORTER=none',
    });
  });

  it('is on with an OTLP endpoint (general or for traces) or an explicit exporter', () => {
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, argv).enabled).toBe(true);
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, argv).enabled).toBe(true);
    expect(telemetrySettings({ OTEL_TRACES_EXPORTER: 'console' }, argv).enabled).toBe(true);
    expect(telemetrySettings({ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, argv).enabled).toBe(
      true,
    );
  });

  it('names the service from OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then the app it runs', () => {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(telemetrySettings({ ...on, OTEL_SERVICE_NAME: 'payment' }, argv)).toMatchObject({ serviceName: 'payment' });
    expect(
      telemetrySettings({ ...on, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=user' }, argv),
    ).toMatchObject({ serviceName: 'user' });
    expect(telemetrySettings(on, argv)).toMatchObject({ serviceName: 'cart' });
    expect(telemetrySettings(on, ['/usr/bin/node', '/work/main/apps/user/src/server.ts'])).toMatchObject({ serviceName: 'user' });
    expect(telemetrySettings(on, ['/usr/bin/node', 'script.js'])).toMatchObject({ serviceName: 'unknown_service:node' });
  });

  it('takes a malformed OTEL_RESOURCE_ATTRIBUTES as the SDK does, discarded, instead of failing the start of the service', () => {
    // `%` not followed by two hex digits: the preload threw URIError, and the service, whose
    // every process starts with it, did not start at all, over a tracing setting.
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(telemetrySettings({ ...on, OTEL_RESOURCE_ATTRIBUTES: 'service.name=cart-100%' }, argv)).toMatchObject({
      enabled: true,
      serviceName: 'cart',
    });
    expect(telemetrySettings({ ...on, OTEL_RESOURCE_ATTRIBUTES: 'service.name=my%20shop' }, argv)).toMatchObject({
      serviceName: 'my shop',
    });
  });

  it('samples parent-based at 10 % of new traces unless OTEL_TRACES_SAMPLER says otherwise', () => {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(telemetrySettings(on, argv)).toMatchObject({
      sampler: { name: 'parentbased_traceidratio', ratio: DEFAULT_SAMPLE_RATIO, fromEnv: false },
    });
    expect(DEFAULT_SAMPLE_RATIO).toBe(0.1);
    expect(
      telemetrySettings({ ...on, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }, argv),
    ).toMatchObject({ sampler: { ratio: 0.5, fromEnv: true } });
    expect(telemetrySettings({ ...on, OTEL_TRACES_SAMPLER: 'always_on' }, argv)).toMatchObject({
      sampler: { name: 'always_on', fromEnv: true },
    });
  });
});
