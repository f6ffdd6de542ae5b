/**
 * What a newcomer looks for in the README: the two commands first, a page read in two minutes
 * (the long material lives under docs/), and by its heading how to reproduce the reliability figures.
 */
import { readFileSync } from 'node:fs';
import { repoPath } from '@myshop/release';
import { markdownSection } from '@myshop/testing';
import { describe, expect, it } from 'vitest';

/** The text under the README's `## <title>`. */
const section = (title: string) => markdownSection(readFileSync(repoPath('README.md'), 'utf8'), title);

describe('README', () => {
  it('is a front door: the two commands in its first lines, and at most 150 lines in all', () => {
    const lines = readFileSync(repoPath('README.md'), 'utf8').trimEnd().split('\n');
    const firstCommand = lines.findIndex((line) => line.startsWith('npm ci && npm start'));
    expect(firstCommand).toBeGreaterThan(-1);
    expect(firstCommand).toBeLessThan(10);
    expect(lines.length).toBeLessThanOrEqual(150);
  });

  it('has a Reliability section: the command that reproduces the figures, and where the last ones are', () => {
    const text = section('Reliability');
    expect(text).toBeDefined();
    expect(text).toContain('npm run reliability');
    expect(text).toContain('(docs/reliability.md)');
  });
});
