import { describe, expect, it } from 'vitest';
import { BaseConfigSchema, PROCESS_RUNTIME_ENV } from '../src/index.ts';

describe('PROCESS_RUNTIME_ENV', () => {
  it.each(['NODE_OPTIONS', 'UV_THREADPOOL_SIZE', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES'])(
    'names %s, which Node, libuv or glibc read as the process starts',
    (key) => expect(PROCESS_RUNTIME_ENV.test(key)).toBe(true),
  );

  it.each(['NODE_ENV', 'MALLOC', 'XMALLOC_ARENA_MAX', 'NODE_OPTIONS_FILE', 'glibc_tunables'])('does not name %s', (key) =>
    expect(PROCESS_RUNTIME_ENV.test(key)).toBe(false),
  );

  it('names none of the keys a service config reads', () => {
    const keys = Object.keys(BaseConfigSchema.properties);
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((key) => PROCESS_RUNTIME_ENV.test(key))).toEqual([]);
  });
});
