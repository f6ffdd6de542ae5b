/**
 * The money rules against hostile interleavings on `npm start`'s stack, three replicas per
 * service: the short form of `npm run reliability`'s money check (fewer runs, same rules).
 */
import { describe, expect, it } from 'vitest';
import { SHORT } from '../src/checks.ts';
import { runMoneyCheck } from '../src/money.ts';

describe('money, proven against a hostile shopper on three replicas of each service', () => {
  it('charges each cart once, refunds only on an operator’s word, keeps tokens where they belong, and the books agree', async () => {
    const { figures, details } = await runMoneyCheck(SHORT.money);
    const { tally, ledger, reconciliation } = details;
    expect(tally.divergences).toEqual([]);
    expect(tally.runs).toBe(SHORT.money.runs);
    // The runs did what they are for: payments, double clicks, refunds.
    expect(tally.paid).toBeGreaterThan(0);
    expect(tally.concurrentClicks).toBeGreaterThan(0);
    expect(tally.operatorRefunds).toBeGreaterThan(0);
    expect(ledger.problems).toEqual([]);
    // The reconciliation command, run as an operator runs it, agrees.
    expect(reconciliation).toMatchObject({ code: 0, output: expect.stringContaining('no differences') });
    expect(ledger.money.kept).toBe(ledger.money.keptByOrders);
    expect(figures.filter((figure) => !figure.pass)).toEqual([]);
  }, 900_000);
});
