/** `npm run migrate -w apps/user`: applies pending migrations and exits (e.g. a Kubernetes Job). */
import { runMigrationsCommand } from '@myshop/server';
import { migrationsDir } from './app.ts';
import { loadUserConfig } from './config.ts';

await runMigrationsCommand({ name: 'user', loadConfig: () => loadUserConfig(), migrationsDir });
