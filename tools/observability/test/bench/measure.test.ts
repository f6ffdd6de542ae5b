import { describe, expect, it } from 'vitest';
import type { LoadGenerator, LoadResult, LoadRun, LoadTarget } from '../../src/bench/load.ts';
import { better, checked, failuresText, measureRoute, measureSuccesses, rotation, successesPerSecond } from '../../src/bench/measure.ts';
import { loadResult } from './fixtures.ts';

/** A load generator that answers from a script and remembers what it was asked. */
function scripted(answer: (target: LoadTarget, options: Omit<LoadRun, 'target'>, call: number) => LoadResult) {
  const calls: Array<{ url: string } & Omit<LoadRun, 'target'>> = [];
  const generator: LoadGenerator = {
    placement: 'scripted',
    run: async (target, options) => {
      calls.push({ url: target.url, ...options });
      return answer(target, options, calls.length);
    },
    stop: async () => undefined,
  };
  return { generator, calls };
}

const settings = { connections: 10, durationSeconds: 3, rounds: 2, warmupSeconds: 2 };

describe('rotation', () => {
  it('starts each round one contender further', () => {
    expect(rotation(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotation(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotation(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
  });
});

describe('better and checked', () => {
  it('keeps the faster run', () => {
    expect(better(undefined, loadResult(5)).requestsPerSecond).toBe(5);
    expect(better(loadResult(7), loadResult(5)).requestsPerSecond).toBe(7);
    expect(better(loadResult(5), loadResult(7)).requestsPerSecond).toBe(7);
  });

  it('refuses a run with errors or non-2xx answers', () => {
    expect(() => checked('GET /cart', { ...loadResult(5), non2xx: 1 })).toThrow('GET /cart: 1 non-2xx answers and 0 errors: not a measure');
    expect(checked('GET /cart', loadResult(5)).requestsPerSecond).toBe(5);
  });
});

describe('measureRoute', () => {
  it('warms every contender, rotates the rounds, keeps the best and holds each at half of it, rounds rotated too', async () => {
    // At half rate, A's tail is calmer in its second round, B's in its first.
    const halfRateP99 = (url: string, call: number) => (url === 'a' ? (call === 10 ? 4 : 9) : call === 8 ? 6 : 12);
    const { generator, calls } = scripted((target, options, call) =>
      options.rate === undefined
        ? loadResult(target.url === 'a' ? 100 + call : 50)
        : loadResult(options.rate, halfRateP99(target.url, call)),
    );
    const measures = await measureRoute(
      'GET /x',
      [
        { name: 'A', target: { url: 'a' } },
        { name: 'B', target: { url: 'b' } },
      ],
      generator,
      settings,
    );
    expect(calls.map((call) => `${call.url}:${call.durationSeconds}:${call.rate ?? '-'}`)).toEqual([
      'a:2:-',
      'b:2:-',
      'a:3:-',
      'b:3:-',
      'b:3:-',
      'a:3:-',
      'a:3:53',
      'b:3:25',
      'b:3:25',
      'a:3:53',
    ]);
    expect(measures.get('A')!.saturated.requestsPerSecond).toBe(106);
    expect(measures.get('A')!.halfRate).toMatchObject({ rate: 53, p99Ms: 4 });
    expect(measures.get('B')!.halfRate).toMatchObject({ rate: 25, p99Ms: 6 });
  });
});

describe('measureSuccesses', () => {
  const run = (statusCounts: Record<string, number>, elapsedSeconds = 5): LoadResult => ({
    ...loadResult(Object.values(statusCounts).reduce((sum, count) => sum + count, 0) / elapsedSeconds),
    statusCounts,
    elapsedSeconds,
  });

  it('counts only the 200s per second of the run, keeps the best round and runs at least the minimum duration', async () => {
    const rounds = [run({ '401': 50 }), run({ '200': 50, '429': 100 }), run({ '200': 120 }, 6)];
    const { generator, calls } = scripted((_target, _options, call) => rounds[call - 1]!);
    const login = await measureSuccesses({ url: 'l' }, 200, generator, settings, 5);
    expect(calls.map((call) => call.durationSeconds)).toEqual([2, 5, 5]);
    // The first round answered 30 a second but only 10 of them were logins; the second 20, all of them.
    expect(login.successesPerSecond).toBe(20);
    expect(login.best.statusCounts).toEqual({ '200': 120 });
    // Every round's 200s, for the CPU each login took over the whole stretch.
    expect(login.successes).toBe(170);
    // The warm-up's 401s are not counted.
    expect(login.otherAnswers).toEqual({ '429': 100 });
    expect(failuresText(login)).toBe('429 ×100');
  });

  it('adds up every round’s other answers and errors, the warm-up’s aside', async () => {
    const rounds = [run({ '401': 9 }), { ...run({ '200': 10, '401': 2 }), errors: 1 }, run({ '200': 10, '401': 3, '503': 1 })];
    const { generator } = scripted((_target, _options, call) => rounds[call - 1]!);
    const login = await measureSuccesses({ url: 'l' }, 200, generator, settings);
    expect(login.otherAnswers).toEqual({ '401': 5, '503': 1 });
    expect(login.errors).toBe(1);
    expect(login.successes).toBe(20);
    expect(failuresText(login)).toBe('401 ×5, 503 ×1, 1 errors');
  });

  it('has nothing to report when every answer was a 200', () => {
    expect(
      failuresText({ status: 200, successesPerSecond: 1, successes: 5, best: loadResult(1), otherAnswers: {}, errors: 0 }),
    ).toBeUndefined();
  });
});

describe('successesPerSecond', () => {
  it('divides the answers of the status by the time the run really took', () => {
    expect(successesPerSecond({ ...loadResult(0), statusCounts: { '200': 90, '401': 30 }, elapsedSeconds: 3 }, 200)).toBe(30);
    expect(successesPerSecond({ ...loadResult(0), statusCounts: { '401': 30 }, elapsedSeconds: 3 }, 200)).toBe(0);
  });
});
