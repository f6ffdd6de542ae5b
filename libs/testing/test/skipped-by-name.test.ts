import { SkippedByName } from '@myshop/vitest-config';
import type { TestModule } from 'vitest/node';
import { describe, expect, it } from 'vitest';

/** What the reporter reads of a module: its path, and its tests in a state. */
function testModule(moduleId: string, tests: Array<{ fullName: string; state: string }>): TestModule {
  return {
    moduleId,
    children: {
      *allTests(state?: string) {
        yield* tests.filter((test) => state === undefined || test.state === state);
      },
    },
  } as unknown as TestModule;
}

describe('SkippedByName', () => {
  it('names each skipped test with its module, after the run', () => {
    let written = '';
    const reporter = new SkippedByName('/repo', (text) => (written += text));
    reporter.onTestRunEnd([
      testModule('/repo/tools/observability/test/rules.test.ts', [
        { fullName: 'rules > checks (skipped: promtool missing; install: apt-get install -y prometheus)', state: 'skipped' },
        { fullName: 'rules > parses', state: 'passed' },
      ]),
      testModule('/repo/apps/cart/test/a.test.ts', [{ fullName: 'a > b', state: 'failed' }]),
    ]);
    expect(written).toBe(
      '\nSkipped (1):\n  ↓ tools/observability/test/rules.test.ts > rules > checks (skipped: promtool missing; install: apt-get install -y prometheus)\n',
    );
  });

  it('says nothing when nothing was skipped', () => {
    let written = '';
    new SkippedByName('/repo', (text) => (written += text)).onTestRunEnd([
      testModule('/repo/x.test.ts', [{ fullName: 'x', state: 'passed' }]),
    ]);
    expect(written).toBe('');
  });
});
