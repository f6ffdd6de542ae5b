/**
 * Every Markdown page is read in a terminal and a diff as much as rendered, the long ones
 * (benchmark, reliability, delivery) most: a table row cannot wrap there, so each stays within 100
 * columns. Longer rows are a list instead.
 */
import { readFileSync } from 'node:fs';
import { repoPath } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { markdownPages } from '../src/markdown-pages.ts';

const WIDTH = 100;
const pages = markdownPages();

describe('the tables of the Markdown pages', () => {
  it('are judged on every page, the long ones included', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/performance.md', 'docs/reliability.md', 'docs/delivery.md']));
  });

  it.each(pages)(`%s: every row within ${WIDTH} columns`, (page) => {
    const rows = readFileSync(repoPath(page), 'utf8')
      .split('\n')
      .map((line, index) => ({ line: index + 1, width: [...line].length, text: line }))
      // A table inside a list item is indented, and is as much a table.
      .filter(({ text }) => text.trimStart().startsWith('|'));
    expect(
      rows.filter(({ width }) => width > WIDTH).map(({ line, width }) => `line ${line}: ${width} columns`),
      page,
    ).toEqual([]);
  });
});
