import { describe, expect, it } from 'vitest';
import {
  cpuCores,
  memoryConditions,
  podEnvText,
  podLogFormat,
  podMemoryConditions,
  podPoolSize,
  quantityBytes,
} from '../../src/bench/pod-conditions.ts';

const deployment = (container: string) => `
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
${container}`;

describe('quantityBytes', () => {
  it('reads binary and decimal suffixes and plain bytes', () => {
    expect(quantityBytes('256Mi')).toBe(268_435_456);
    expect(quantityBytes('1Gi')).toBe(1_073_741_824);
    expect(quantityBytes('500M')).toBe(500_000_000);
    expect(quantityBytes('1.5Gi')).toBe(1_610_612_736);
    expect(quantityBytes(1024)).toBe(1024);
  });

  it('refuses what is not a quantity', () => {
    expect(() => quantityBytes('256 MB')).toThrow(/not a memory quantity/);
    expect(() => quantityBytes('')).toThrow(/not a memory quantity/);
  });
});

describe('memoryConditions', () => {
  const dockerfile =
    'FROM node AS build\nENV UV_THREADPOOL_SIZE=16\nFROM node\nENV NODE_ENV=production MALLOC_ARENA_MAX=2 UV_THREADPOOL_SIZE=8\n';

  it('layers the memory env as a pod does: the image’s, the ConfigMap’s over it, the container’s over both', () => {
    const yaml = deployment(`
        - name: sidecar
          resources: { limits: { memory: 1Gi } }
        - name: user
          env:
            - { name: MALLOC_ARENA_MAX, value: "4" }
            - { name: DATABASE_URL_FILE, value: /secrets/url }
            - { name: NODE_OPTIONS, value: "--max-old-space-size=128" }
          resources: { limits: { memory: 256Mi, cpu: "1" } }`);
    const conditions = memoryConditions(
      'user',
      { dockerfile, deployment: yaml, configEnv: 'LOG_LEVEL=info\nNODE_OPTIONS=--max-old-space-size=96\nUV_THREADPOOL_SIZE=2\n' },
      'k8s/base/user',
    );
    expect(conditions).toEqual({
      limitBytes: 268_435_456,
      env: { MALLOC_ARENA_MAX: '4', NODE_OPTIONS: '--max-old-space-size=128', UV_THREADPOOL_SIZE: '2' },
      envSources: {
        MALLOC_ARENA_MAX: 'k8s/base/user/deployment.yaml',
        NODE_OPTIONS: 'k8s/base/user/deployment.yaml',
        UV_THREADPOOL_SIZE: 'k8s/base/user/config.env',
      },
      source: 'k8s/base/user',
    });
  });

  it('keeps what only the image sets, and only the env that bears on memory', () => {
    const yaml = deployment(`
        - name: cart
          resources: { limits: { memory: 128Mi } }`);
    const conditions = memoryConditions('cart', { dockerfile, deployment: yaml, configEnv: '' }, 'k8s/base/cart');
    expect(conditions.env).toEqual({ MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '8' });
    expect(conditions.envSources).toEqual({ MALLOC_ARENA_MAX: 'docker/cart.Dockerfile', UV_THREADPOOL_SIZE: 'docker/cart.Dockerfile' });
    expect(podEnvText(conditions)).toBe(
      'pod env MALLOC_ARENA_MAX=2 (docker/cart.Dockerfile), UV_THREADPOOL_SIZE=8 (docker/cart.Dockerfile)',
    );
  });

  it('fails loudly on a Deployment without the container or without a limit', () => {
    const files = (yaml: string) => ({ dockerfile, deployment: yaml, configEnv: '' });
    expect(() => memoryConditions('cart', files(deployment('        - name: user')), 'x')).toThrow(/no container named cart/);
    expect(() => memoryConditions('user', files(deployment('        - name: user')), 'x')).toThrow(/has no memory limit/);
  });
});

describe('the base manifests', () => {
  it('reads CPU quantities as cores', () => {
    expect(cpuCores('500m')).toBe(0.5);
    expect(cpuCores('2')).toBe(2);
    expect(cpuCores(1.5)).toBe(1.5);
    expect(() => cpuCores('half')).toThrow('not a CPU quantity: half');
  });

  it.each(['user', 'cart', 'payment'])('give %s a memory limit and a pool size', (service) => {
    expect(podMemoryConditions(service).limitBytes).toBeGreaterThan(0);
    expect(podPoolSize(service)).toBeGreaterThan(0);
  });

  it.each(['user', 'cart', 'payment'])('give %s the log format of its ConfigMap, the one Fluent Bit ships', (service) => {
    expect(podLogFormat(service)).toBe('ecs');
  });

  it.each(['user', 'cart', 'payment'])('give %s the malloc arenas and Node options its image sets', (service) => {
    const { env, envSources } = podMemoryConditions(service);
    expect(env).toMatchObject({
      MALLOC_ARENA_MAX: '2',
      NODE_OPTIONS: '--import=@myshop/telemetry/preload --max-old-space-size-percentage=50',
    });
    expect(envSources.MALLOC_ARENA_MAX).toBe(`docker/${service}.Dockerfile`);
    expect(env).not.toHaveProperty('NODE_ENV');
  });
});
