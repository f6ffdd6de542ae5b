import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { workspaceFolders } from '../src/index.ts';

describe('workspaceFolders', () => {
  it('lists this repository’s workspaces, the services and the tools among them', () => {
    expect(workspaceFolders()).toEqual(expect.arrayContaining(['apps/cart', 'apps/payment', 'apps/user', 'libs/config', 'tools/release']));
  });

  it('expands `dir/*` to its folders holding a package.json, keeps a plain folder that holds one, and skips what does not', () => {
    const root = mkdtempSync(join(tmpdir(), 'workspaces-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text = '{}') => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('package.json', JSON.stringify({ workspaces: ['apps/*', 'tools/one', 'tools/none', 'missing/*'] }));
    write('apps/a/package.json');
    write('apps/b/README.md');
    write('apps/notes.txt', 'a file, not a folder');
    write('tools/one/package.json');
    expect(workspaceFolders(root)).toEqual(['apps/a', 'tools/one']);
  });
});
