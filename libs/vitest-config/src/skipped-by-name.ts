import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Names every skipped test when a run ends, with the note its name carries (what it lacks and
 * the line that installs it, @myshop/testing's requiredTool): vitest's default reporter only
 * counts them, so `npm test` would say "4 skipped" and not which, nor how to run them.
 */
export class SkippedByName implements Reporter {
  readonly #root: string;
  readonly #write: (text: string) => void;

  constructor(root: string, write: (text: string) => void = (text) => void process.stdout.write(text)) {
    this.#root = root;
    this.#write = write;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = testModules.flatMap((testModule) =>
      [...testModule.children.allTests('skipped')].map((test) => `${relative(this.#root, testModule.moduleId)} > ${test.fullName}`),
    );
    if (skipped.length === 0) return;
    this.#write(`\nSkipped (${skipped.length}):\n${skipped.map((name) => `  ↓ ${name}\n`).join('')}`);
  }
}
