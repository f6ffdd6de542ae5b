/** `npm run migrate -w apps/cart`: applies pending migrations (schema and catalogue) and exits. */
import { runMigrationsCommand } from '@myshop/server';
import { migrationsDir } from './app.ts';
import { loadCartConfig } from './config.ts';

await runMigrationsCommand({ name: 'cart', loadConfig: () => loadCartConfig(), migrationsDir });
