/** `npm run migrate -w apps/payment`: applies pending migrations and exits (e.g. a Kubernetes Job). */
import { runMigrationsCommand } from '@myshop/server';
import { migrationsDir } from './app.ts';
import { loadPaymentConfig } from './config.ts';

await runMigrationsCommand({ name: 'payment', loadConfig: () => loadPaymentConfig(), migrationsDir });
