import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'undici';
import { startServiceProcess } from '../service-process.ts';
import { startPgRecorder } from './pg-recorder.ts';
import type { RoundTripResults } from './results.ts';
import { chargeTarget, CHARGE_BODY, type ModeSettings, type RunningMode } from './services.ts';

/**
 * Database round trips of POST /payment/charges, counted on the wire: a payment process of its
 * own (the measured one keeps its direct connection) on the same database through a recording
 * relay, one warm-up charge, one charge whose statements are kept, then `charges` more, one after
 * the other, nothing else running on that process.
 */
export async function countChargeRoundTrips(
  mode: RunningMode,
  settings: Pick<ModeSettings, 'dataDir' | 'logDir'>,
  charges = 20,
): Promise<RoundTripResults> {
  const payment = mode.services.payment;
  const recorder = await startPgRecorder(payment.database.url);
  const counted = await startServiceProcess(
    'payment',
    {
      DATA_DIR: join(settings.dataDir, mode.mode),
      LOG_LEVEL: 'warn',
      DATABASE_URL: recorder.url,
      DATABASE_POOL_MAX: String(payment.poolSize),
      JWKS_URL: mode.jwksUrl,
    },
    { logFile: join(settings.logDir, `${mode.mode}-payment-round-trips.log`) },
  );
  try {
    const target = chargeTarget(counted.url, mode.shopper.paymentToken);
    const charge = async () => {
      const response = await request(target.url, {
        method: 'POST',
        headers: { ...target.headers, 'idempotency-key': randomUUID() },
        body: CHARGE_BODY,
      });
      const text = await response.body.text();
      if (response.statusCode !== 201) throw new Error(`POST /payment/charges answered ${response.statusCode}: ${text}`);
    };
    await charge();
    recorder.take();
    await charge();
    const { statements } = recorder.take();
    for (let sent = 0; sent < charges; sent += 1) await charge();
    return { charges, roundTrips: recorder.take().roundTrips, statements };
  } finally {
    await counted.stop();
    await recorder.close();
  }
}
