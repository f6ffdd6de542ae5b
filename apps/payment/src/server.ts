import { runService } from '@myshop/server';
import { buildPaymentApp } from './app.ts';
import { loadPaymentConfig } from './config.ts';

await runService({ name: 'payment', loadConfig: () => loadPaymentConfig(), buildApp: buildPaymentApp });
