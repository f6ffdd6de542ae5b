import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Each instrumentation pins its own minor of this 0.x base class, so npm can share it only
 * between instrumentations released together: its copies are expected, and small.
 */
const PINNED_PER_INSTRUMENTATION = 'instrumentation';

/** The node_modules folder the preload's SDK is installed in (the workspace's, hoisted). */
function sdkNodeModules(): string {
  const entry = createRequire(import.meta.url).resolve('@opentelemetry/sdk-node');
  const marker = `${sep}node_modules${sep}`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length - 1);
}

describe('the OpenTelemetry SDK a traced service loads', () => {
  // When @opentelemetry/sdk-node pins a version of core, sdk-trace or context-async-hooks that
  // the other packages do not, npm installs a second copy under it and a traced service loads
  // both: 8 MB more RSS and 4 MB more heap as measured (docs/performance.md).
  it('is installed once: no @opentelemetry package has a copy of its own of another', () => {
    const scope = join(sdkNodeModules(), '@opentelemetry');
    const packages = readdirSync(scope);
    expect(packages).toEqual(expect.arrayContaining(['sdk-node', 'core', 'sdk-trace', 'context-async-hooks']));
    const copies = packages.flatMap((name) => {
      const nested = join(scope, name, 'node_modules', '@opentelemetry');
      if (!existsSync(nested)) return [];
      return readdirSync(nested)
        .filter((copy) => copy !== PINNED_PER_INSTRUMENTATION)
        .map((copy) => `@opentelemetry/${name} has its own @opentelemetry/${copy}`);
    });
    expect(copies).toEqual([]);
  });
});
