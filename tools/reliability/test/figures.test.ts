import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  readFigureFiles,
  readTestRuns,
  renderTable,
  vouchedByLastTestRun,
  writeFigures,
  type Figure,
  type TestFileRun,
} from '../src/figures.ts';

const row = (check: string, pass = true): Figure => ({ check, load: '60 req/s', figure: '0 of 10', target: '0', pass });

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'myshop-figures-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('renderTable', () => {
  it('prints one Markdown table, columns aligned, FAIL where a figure misses, pipes escaped', () => {
    const table = renderTable([row('rollout'), { ...row('kill | sigkill', false), figure: 'a\nb' }]);
    expect(table.split('\n')).toEqual([
      '| check           | load     | figure  | target | pass |',
      '| --------------- | -------- | ------- | ------ | ---- |',
      '| rollout         | 60 req/s | 0 of 10 | 0      | pass |',
      '| kill \\| sigkill | 60 req/s | a b     | 0      | FAIL |',
    ]);
  });
});

describe('readFigureFiles', () => {
  it('reads every JSON file of the directory, an object or an array each, in name order', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'b-manifests.json'), JSON.stringify(row('manifests')));
    writeFileSync(join(dir, 'a-abuse.json'), JSON.stringify([row('fuzz'), { ...row('jwt'), figure: 42, target: 0 }]));
    writeFileSync(join(dir, 'notes.txt'), 'not a figure');
    expect(readFigureFiles(dir)).toEqual([row('fuzz'), { ...row('jwt'), figure: '42', target: '0' }, row('manifests')]);
  });

  it('turns a file of the wrong shape into a failing row instead of dropping it', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'broken.json'), '{"check": "x"}');
    writeFileSync(join(dir, 'garbage.json'), '{');
    const figures = readFigureFiles(dir);
    expect(figures.map((figure) => [figure.check, figure.pass])).toEqual([
      ['broken.json', false],
      ['garbage.json', false],
    ]);
    expect(figures[0]!.figure).toContain('not { check, load, figure, target, pass }');
  });

  it('finds nothing where there is no directory', () => {
    expect(readFigureFiles(join(scratch(), 'missing'))).toEqual([]);
  });
});

describe('vouchedByLastTestRun', () => {
  const written = { ...row('login limit'), writtenBy: 'apps/user/test/security/replicas.test.ts', writtenAt: '2026-12-05T10:00:05.000Z' };
  const runs = (run: TestFileRun) => new Map([['apps/user/test/security/replicas.test.ts', run]]);
  const started = Date.parse('2026-12-05T10:00:00.000Z');

  it('keeps a figure its test file wrote in a run that passed', () => {
    expect(vouchedByLastTestRun(written, runs({ status: 'passed', startTime: started }))).toEqual(row('login limit'));
  });

  it('fails a pass left by an earlier run when the test failed, did not write it, or did not run', () => {
    const failed = vouchedByLastTestRun(written, runs({ status: 'failed', startTime: started }));
    expect(failed).toMatchObject({ pass: false, figure: expect.stringContaining('did not pass in the last test run') });
    expect(failed.figure).toContain('0 of 10');
    const skipped = vouchedByLastTestRun(written, runs({ status: 'passed', startTime: started + 60_000 }));
    expect(skipped).toMatchObject({ pass: false, figure: expect.stringContaining('did not write it in the last test run') });
    expect(vouchedByLastTestRun(written, new Map())).toMatchObject({ pass: false, figure: expect.stringContaining('in no test report') });
    expect(vouchedByLastTestRun(row('unsigned'), runs({ status: 'passed', startTime: started }))).toMatchObject({ pass: false });
  });

  it("reads each test file's last run from vitest's JSON reports, by its path from the repository", () => {
    const dir = scratch();
    const report = { testResults: [{ name: '/repo/apps/user/test/a.test.ts', status: 'failed', startTime: 5, assertionResults: [] }] };
    writeFileSync(join(dir, 'user.json'), JSON.stringify(report));
    writeFileSync(join(dir, 'half-written.json'), '{"testRes');
    expect(readTestRuns(dir, '/repo')).toEqual(new Map([['apps/user/test/a.test.ts', { status: 'failed', startTime: 5 }]]));
    expect(readTestRuns(join(dir, 'missing'), '/repo')).toEqual(new Map());
  });
});

describe('writeFigures', () => {
  it('writes the rows with whether all passed and when', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'reports'));
    const path = join(dir, 'reports', 'nested', 'reliability.json');
    writeFigures(path, [row('a'), row('b', false)], { details: { a: 1 } });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      generatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      passed: false,
      details: { a: 1 },
      figures: [row('a'), row('b', false)],
    });
  });
});
