import { describe, expect, it } from 'vitest';
import { anyMissed, judgeTargets, type TargetVerdict } from '../../src/bench/targets.ts';
import { loginMeasure, measure, memory, modeResults, passingResults } from './fixtures.ts';

const find = (verdicts: TargetVerdict[], target: string) => {
  const found = verdicts.find((verdict) => verdict.target === target);
  if (!found) throw new Error(`no verdict ${target} among:\n${verdicts.map((verdict) => verdict.target).join('\n')}`);
  return found;
};

describe('judgeTargets', () => {
  it('meets every target of a run that reaches them all', () => {
    const verdicts = judgeTargets(passingResults());
    expect(verdicts.filter((verdict) => verdict.met !== true)).toEqual([]);
    expect(anyMissed(verdicts)).toBe(false);
    // 4 routes × 2 modes against yardsticks, 4 tracing ratios, 8 half-rate p99s, 6 RSS, login, round trips.
    expect(verdicts).toHaveLength(8 + 4 + 8 + 6 + 1 + 1);
  });

  it('holds the catalogue to the same page at 0.60, just met and just missed', () => {
    const results = passingResults();
    results.modes = [modeResults('off', { 'GET /cart/products': 600 }), modeResults('on', { 'GET /cart/products': 599 })];
    const verdicts = judgeTargets(results);
    expect(find(verdicts, 'off: GET /cart/products ÷ same page')).toMatchObject({ met: true, measured: '0.60', goal: '>= 0.60' });
    expect(find(verdicts, 'on: GET /cart/products ÷ same page')).toMatchObject({ met: false, measured: '0.60' });
    expect(anyMissed(verdicts)).toBe(true);
  });

  it('holds each database route to its bare peer', () => {
    const results = passingResults();
    results.yardsticks['GET /cart'] = { name: 'bare peer', measure: measure(2000) };
    const verdicts = judgeTargets(results);
    expect(find(verdicts, 'off: GET /cart ÷ bare peer')).toMatchObject({ met: false, measured: '0.50' });
    expect(find(verdicts, 'off: GET /user/me ÷ bare peer').met).toBe(true);
  });

  it('judges tracing on ÷ off per route, at 0.90', () => {
    const results = passingResults();
    results.modes = [
      modeResults('off', { 'GET /user/me': 1000 }),
      modeResults('on', { 'GET /user/me': 899, 'POST /payment/charges': 900 }),
    ];
    const verdicts = judgeTargets(results);
    expect(find(verdicts, 'GET /user/me: tracing on (default sampler) ÷ off')).toMatchObject({ met: false, measured: '0.90' });
    expect(find(verdicts, 'POST /payment/charges: tracing on (default sampler) ÷ off').met).toBe(true);
  });

  it('says tracing was not measured, neither met nor missed, when a mode is left out', () => {
    const results = passingResults();
    results.modes = [modeResults('off')];
    const verdicts = judgeTargets(results);
    const tracing = verdicts.filter((verdict) => verdict.target.includes('tracing'));
    expect(tracing).toHaveLength(4);
    expect(tracing.every((verdict) => verdict.met === undefined && verdict.measured.startsWith('not measured'))).toBe(true);
    expect(anyMissed(verdicts)).toBe(false);
  });

  it('reports on-100 without judging it', () => {
    const results = passingResults();
    results.modes.push(modeResults('on-100', { 'GET /cart': 1 }, { memory: { user: memory(900) } }));
    const verdicts = judgeTargets(results);
    expect(verdicts.some((verdict) => verdict.target.startsWith('on-100'))).toBe(false);
    expect(anyMissed(verdicts)).toBe(false);
  });

  it('misses a p99 of 25 ms at half rate, which must stay under it', () => {
    const results = passingResults();
    results.modes[0]!.routes['GET /cart'] = measure(1000, 25);
    const verdict = find(judgeTargets(results), 'off: GET /cart p99 at half the saturating rate');
    expect(verdict).toMatchObject({ met: false, goal: '< 25 ms', measured: '25 ms at 500/s' });
  });

  it('judges RSS at 160 MB, saying whether it was in the pod’s limit', () => {
    const results = passingResults();
    results.modes[0]!.memory = { user: memory(161), cart: memory(160, false) };
    const verdicts = judgeTargets(results);
    expect(find(verdicts, "off: user RSS after the bench, in the pod's memory limit")).toMatchObject({ met: false, measured: '161 MB' });
    expect(find(verdicts, 'off: cart RSS after the bench, plain RSS (no pod conditions)')).toMatchObject({ met: true, measured: '160 MB' });
  });

  it('holds successful logins to 0.80 of what the usable cores can hash', () => {
    const results = passingResults();
    results.login.saturated = loginMeasure(79);
    expect(find(judgeTargets(results), 'POST /user/login ÷ the argon2 limit')).toMatchObject({
      met: false,
      measured: '0.79 (79 of 100 logins/s)',
    });
  });

  it('fails login when any answer was not a 200 or any request failed, however fast', () => {
    const results = passingResults();
    results.login.saturated = { ...loginMeasure(250), otherAnswers: { '401': 12, '429': 3 }, errors: 2 };
    expect(find(judgeTargets(results), 'POST /user/login ÷ the argon2 limit')).toMatchObject({
      met: false,
      measured: 'answers other than 200: 401 ×12, 429 ×3, 2 errors: not a measure',
    });
  });

  it('allows at most 2 database round trips per charge', () => {
    const results = passingResults();
    results.roundTrips = { charges: 20, roundTrips: 41, statements: [] };
    expect(find(judgeTargets(results), 'database round trips per POST /payment/charges')).toMatchObject({ met: false, measured: '2.05' });
    results.roundTrips = { charges: 20, roundTrips: 120, statements: [] };
    expect(find(judgeTargets(results), 'database round trips per POST /payment/charges')).toMatchObject({ met: false, measured: '6' });
  });
});
