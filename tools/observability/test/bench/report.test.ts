import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../src/bench/args.ts';
import { formatMs, markdownTable, renderReport, reportJson, type RunContext } from '../../src/bench/report.ts';
import { judgeTargets } from '../../src/bench/targets.ts';
import { loginMeasure, measure, memory, modeResults, passingResults } from './fixtures.ts';

const context: RunContext = {
  options: parseBenchArgs(['--duration', '3', '--rounds', '1', '--modes', 'off,on']),
  loadGenerator: 'own process (pid 1), nice 10, pinned to CPU 1 (taskset)',
  cores: 2,
  loadAverageAtStart: 1.25,
  loadAverageAtEnd: 3.5,
  node: 'v24.0.0',
  spansExported: { exports: 3, bytes: 4096 },
};

describe('markdownTable', () => {
  it('pads text left and numbers right, with a matching rule', () => {
    expect(
      markdownTable(
        [
          ['route', 'req/s'],
          ['GET /cart', '7'],
          ['GET /', '1234'],
        ],
        1,
      ),
    ).toBe(['| route     | req/s |', '|:----------|------:|', '| GET /cart |     7 |', '| GET /     |  1234 |'].join('\n'));
  });
});

describe('formatMs', () => {
  it('keeps a decimal under 10 ms and rounds above', () => {
    expect(formatMs(2.345)).toBe('2.3');
    expect(formatMs(12.6)).toBe('13');
  });
});

describe('renderReport', () => {
  it('puts each route beside its yardstick, with the share of it and of off', () => {
    const results = passingResults();
    results.yardsticks['GET /cart/products'] = { name: 'same page', measure: measure(4000) };
    results.modes = [modeResults('off', { 'GET /cart/products': 2000 }), modeResults('on', { 'GET /cart/products': 1800 })];
    const text = renderReport(results, judgeTargets(results), context);
    expect(text).toContain('| GET /cart/products    | same page |  4000 |');
    expect(text).toMatch(/\| GET \/cart\/products +\| off +\| +2000 \|.*\| +0\.50 \| +\|/);
    expect(text).toMatch(/\| GET \/cart\/products +\| on +\| +1800 \|.*\| +0\.45 \| +0\.90 \|/);
  });

  it('says how the load generator ran and what the machine was doing', () => {
    const text = renderReport(passingResults(), [], context);
    expect(text).toContain(
      'load generator: autocannon, own process (pid 1), nice 10, pinned to CPU 1 (taskset); 10 connections, 3 s per run, best of 1',
    );
    expect(text).toContain('2 cores, load average 1.3 at the start and 3.5 at the end');
  });

  it('gives RSS per service and mode, and the conditions each ran in', () => {
    const results = passingResults();
    results.modes[1]!.memory.user = memory(150, false);
    const text = renderReport(results, [], context);
    expect(text).toContain('| on   | 150 (40/50) | 130 (40/50) | 140 (40/50) |');
    expect(text).toContain('- off user: memory cgroup limited to 256 MiB');
    expect(text).toContain('- on user: plain RSS on the host');
  });

  it('prints login against the argon2 limit and the statements of a charge', () => {
    const text = renderReport(passingResults(), [], context);
    expect(text).toContain('POST /user/login (off): 90 successful logins/s (p99 5.0 ms);');
    expect(text).toContain(
      "one argon2id hash (m=19456, t=2, p=1) takes 20 ms alone (with the user service's MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072; load average 0.5), so 2 cores (2 CPUs allowed, a thread pool of 4, no CPU quota) verify at most 100 logins/s",
    );
    expect(text).toContain('POST /payment/charges: 40 database round trips over 20 charges (2.00 each)');
    expect(text).toContain('\n    BEGIN\n    COMMIT\n');
  });

  it('prints where the CPU of a login went and the ceiling it sets, or that it could not be read', () => {
    const results = passingResults();
    expect(renderReport(results, [], context)).toContain('CPU per login: not read (no /proc on this machine)');
    results.login.cpu = {
      logins: 500,
      hashingMs: 28,
      eventLoopMs: 2.25,
      otherThreadsMs: 0.5,
      databaseMs: 2.25,
      totalMs: 33,
      cores: 2,
      ceilingPerSecond: 2000 / 33,
    };
    expect(renderReport(results, [], context)).toContain(
      "CPU per login (500 logins, read from /proc): argon2 on libuv's pool 28 ms, the event loop 2.3 ms, the service's other threads 0.5 ms, its PostgreSQL 2.3 ms: 33 ms in all, so 2 cores serve at most 61 logins/s at that cost (0.61 of the argon2 limit)",
    );
  });

  it('prints the login answers that were not 200s', () => {
    const results = passingResults();
    results.login.saturated = { ...loginMeasure(90), otherAnswers: { '429': 7 } };
    expect(renderReport(results, [], context)).toContain('90 successful logins/s (p99 5.0 ms), and answers other than 200: 429 ×7;');
  });

  it('ends with every target met, MISSED or not measured', () => {
    const results = passingResults();
    results.modes = [modeResults('off', { 'GET /cart': 100 })];
    const lines = renderReport(results, judgeTargets(results), context).split('\n');
    expect(lines).toContain('MISSED  off: GET /cart ÷ bare peer >= 0.60: 0.10');
    expect(lines).toContain('met     off: GET /user/me ÷ bare peer >= 0.60: 1.00');
    expect(lines).toContain('-       GET /cart: tracing on (default sampler) ÷ off >= 0.90: not measured: needs the modes off and on');
  });
});

describe('reportJson', () => {
  it('holds the figures, the settings and the verdicts', () => {
    const results = passingResults();
    const verdicts = judgeTargets(results);
    const json = reportJson(results, verdicts, context);
    expect(json.settings.modes).toEqual(['off', 'on']);
    expect(json.yardsticks['GET /cart/products'].name).toBe('same page');
    expect(json.targets).toBe(verdicts);
    expect(json.loadGenerator).toContain('nice 10');
  });
});
