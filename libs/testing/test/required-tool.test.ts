import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiredTool } from '../src/tools/required-tool.ts';

function dirWith(name: string, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'myshop-tool-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, name), '#!/bin/sh\n');
  chmodSync(join(dir, name), mode);
  return dir;
}

describe('requiredTool', () => {
  it('finds an executable on PATH and adds nothing to test names', () => {
    const dir = dirWith('some-tool', 0o755);
    const tool = requiredTool('some-tool', 'apt-get install -y some-tool', { PATH: `/nonexistent:${dir}` });
    expect(tool.path).toBe(join(dir, 'some-tool'));
    expect(tool.skipNote).toBe('');
  });

  it('says it is missing, and how to install it, when it is not there or not executable', () => {
    const dir = dirWith('some-tool', 0o644);
    const tool = requiredTool('some-tool', 'apt-get install -y some-tool', { PATH: dir });
    expect(tool.path).toBeUndefined();
    expect(tool.skipNote).toBe(' (skipped: some-tool missing; install: apt-get install -y some-tool)');
  });
});
