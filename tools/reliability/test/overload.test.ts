import { describe, expect, it } from 'vitest';
import { SHORT } from '../src/checks.ts';
import { runOverloadCheck } from '../src/overload.ts';

describe('a real service process flooded past its event-loop limit', () => {
  it('sheds with 503 + Retry-After instead of falling over, and its liveness stays healthy', async () => {
    const { figures, details } = await runOverloadCheck(SHORT.overload);
    const { tally, liveness, alive, recovered } = details;
    expect(tally.shed).toBeGreaterThan(0);
    expect(tally.otherSamples).toEqual([]);
    expect(liveness.total).toBeGreaterThan(0);
    expect(liveness.longestFailureRun).toBeLessThan(3);
    expect(alive).toBe(true);
    expect(recovered).toBe(true);
    expect(figures.filter((figure) => !figure.pass)).toEqual([]);
  }, 300_000);
});
