import { describe, expect, it } from 'vitest';
import { SHORT } from '../src/checks.ts';
import { runSettleCrashCheck } from '../src/settle-crash.ts';

describe('a crash between "charge created" and "order marked paid"', () => {
  it('ends, after retries with the same key, with the order paid exactly once by the charge made before the crash', async () => {
    const { figures, details } = await runSettleCrashCheck(SHORT.settleCrash);
    const { answers, chargedBeforeCrash, final, charges, ledger } = details;
    // The attempt that died got no answer from cart; a later one finished it.
    expect(answers[0]).not.toMatch(/^20/);
    expect(chargedBeforeCrash).not.toBe('');
    expect(final).toMatchObject({ status: 201, body: { status: 'paid', chargeId: chargedBeforeCrash } });
    expect(charges).toEqual([expect.objectContaining({ id: chargedBeforeCrash, status: 'succeeded' })]);
    expect(ledger.problems).toEqual([]);
    expect(figures.map((figure) => [figure.check, figure.pass])).toEqual([['crash between charge and settle: paid exactly once', true]]);
  }, 300_000);
});
