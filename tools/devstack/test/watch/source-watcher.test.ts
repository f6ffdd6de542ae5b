import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { watchSources } from '../../src/watch/source-watcher.ts';

/** A package `apps/shop` with one source file, watched; the batches it reports. */
function watchedPackage() {
  const root = mkdtempSync(join(tmpdir(), 'source-watcher-'));
  mkdirSync(join(root, 'apps/shop/src'), { recursive: true });
  writeFileSync(join(root, 'apps/shop/src/app.ts'), 'export const version = 0;\n');
  const batches: string[][] = [];
  const watcher = watchSources({ root, packageDirs: ['apps/shop'], debounceMs: 50, onChange: (files) => void batches.push(files) });
  onTestFinished(() => {
    watcher.close();
    rmSync(root, { recursive: true, force: true });
  });
  return { root, batches };
}

/** Waits until `count` batches were reported (or 5 s: the caller's assertion then shows what came), then a moment for any stray one. */
async function batchesAfter(batches: string[][], count: number): Promise<string[][]> {
  await vi.waitFor(() => expect(batches.length).toBeGreaterThanOrEqual(count), { timeout: 5000, interval: 25 }).catch(() => undefined);
  await new Promise((done) => setTimeout(done, 100));
  return batches;
}

describe('watchSources', () => {
  it('reports every save of a file an editor saves atomically (a new file renamed over it), not the first alone', async () => {
    const { root, batches } = watchedPackage();
    for (const version of [1, 2, 3]) {
      // vim, JetBrains' safe write, `sed -i`: the new text goes to a temporary file, renamed over the old one.
      writeFileSync(join(root, 'apps/shop/src/app.ts.tmp'), `export const version = ${version};\n`);
      renameSync(join(root, 'apps/shop/src/app.ts.tmp'), join(root, 'apps/shop/src/app.ts'));
      await batchesAfter(batches, version);
    }
    expect(batches).toEqual([['apps/shop/src/app.ts'], ['apps/shop/src/app.ts'], ['apps/shop/src/app.ts']]);
  });

  it('reports a save in a folder created after it started', async () => {
    const { root, batches } = watchedPackage();
    mkdirSync(join(root, 'apps/shop/src/routes'));
    await new Promise((done) => setTimeout(done, 100));
    writeFileSync(join(root, 'apps/shop/src/routes/orders.ts'), 'export {};\n');
    expect((await batchesAfter(batches, 1)).flat()).toContain('apps/shop/src/routes/orders.ts');
  });
});
