/**
 * The long pages (benchmark, reliability, delivery) are read in a terminal and a diff as much as
 * rendered: a table row cannot wrap there, so each stays within 100 columns. Longer rows are a
 * list instead.
 */
import { readFileSync } from 'node:fs';
import { repoPath } from '@myshop/release';
import { describe, expect, it } from 'vitest';

const WIDTH = 100;

describe('the tables of the long pages', () => {
  it.each(['docs/performance.md', 'docs/reliability.md', 'docs/delivery.md'])(`%s: every row within ${WIDTH} columns`, (page) => {
    const rows = readFileSync(repoPath(page), 'utf8')
      .split('\n')
      .map((line, index) => ({ line: index + 1, width: [...line].length, text: line }))
      .filter(({ text }) => text.startsWith('|'));
    expect(rows.filter(({ width }) => width > WIDTH).map(({ line, width }) => `line ${line}: ${width} columns`)).toEqual([]);
  });
});
