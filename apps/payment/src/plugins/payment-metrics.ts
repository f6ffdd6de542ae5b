import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import type { FailureCode } from '../cards.ts';
import { minorUnitsPerMajor } from '../minor-units.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The payment service's business events, counted in the app's registry. */
    paymentMetrics: {
      /** A charge was made: approved (its amount counts) or declined with its failure code. */
      chargeRecorded(charge: { status: 'succeeded' | 'failed'; amount: number; currency: string; failureCode: string | null }): void;
      /** A retry with an Idempotency-Key got the stored answer instead of acting again. */
      replayed(): void;
    };
  }
}

const FAILURE_CODES: FailureCode[] = ['card_declined', 'insufficient_funds', 'expired_card'];

export interface PaymentMetricsOptions {
  /** The shop's currency (CURRENCY): its amount series exists from the start. */
  currency: string;
}

/** Charges by result and code, money taken by currency, idempotent replays: the payment panels. */
async function paymentMetrics(app: FastifyInstance, { currency }: PaymentMetricsOptions): Promise<void> {
  const registers = [app.metrics.registry];
  const charges = new Counter({
    name: 'myshop_payment_charges_total',
    help: 'Charges recorded, by result (succeeded, failed) and failure code (none when it succeeded).',
    labelNames: ['result', 'code'] as const,
    registers,
  });
  const amount = new Counter({
    name: 'myshop_payment_amount_minor_total',
    help: 'Amount of succeeded charges, in minor units of their currency (cents for USD).',
    labelNames: ['currency'] as const,
    registers,
  });
  // What a major unit is in minor units (100 for USD, 1 for JPY): what the dashboard divides by.
  const minorUnits = new Gauge({
    name: 'myshop_payment_minor_units_per_major',
    help: 'Minor units in one major unit of the currency (100 for USD, 1 for JPY), for showing amounts.',
    labelNames: ['currency'] as const,
    registers,
  });
  const replays = new Counter({
    name: 'myshop_payment_idempotent_replays_total',
    help: 'Requests answered from an earlier one with the same Idempotency-Key (nothing charged or refunded again).',
    registers,
  });
  // Every series from the start, so that a decline ratio is 0, not absent, before the first decline.
  charges.inc({ result: 'succeeded', code: 'none' }, 0);
  for (const code of FAILURE_CODES) charges.inc({ result: 'failed', code }, 0);
  amount.inc({ currency }, 0);
  minorUnits.set({ currency }, minorUnitsPerMajor(currency));

  app.decorate('paymentMetrics', {
    chargeRecorded(charge) {
      charges.inc({ result: charge.status, code: charge.failureCode ?? 'none' });
      if (charge.status === 'succeeded') amount.inc({ currency: charge.currency }, charge.amount);
    },
    replayed: () => replays.inc(),
  });
}

export const paymentMetricsPlugin = fp(paymentMetrics, { name: 'payment-metrics', fastify: '5.x', dependencies: ['@myshop/metrics'] });
