import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { writeReliabilityFigure } from '../src/reports/reliability-figure.ts';

describe('writeReliabilityFigure', () => {
  it('writes the row with the test file that measured it and when, for npm run reliability to vouch for', () => {
    const before = Date.now();
    const file = writeReliabilityFigure({ check: 'figure of the figure writer test', load: '1 row', figure: '1', target: '1', pass: true });
    onTestFinished(() => rmSync(file, { force: true }));
    expect(file).toMatch(/reports\/reliability\/figure-of-the-figure-writer-test\.json$/);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({
      check: 'figure of the figure writer test',
      pass: true,
      writtenBy: 'libs/testing/test/reliability-figure.test.ts',
    });
    expect(Date.parse(written.writtenAt as string)).toBeGreaterThanOrEqual(before);
  });
});
