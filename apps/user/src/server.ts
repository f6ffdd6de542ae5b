import { runService } from '@myshop/server';
import { buildUserApp } from './app.ts';
import { loadUserConfig } from './config.ts';

await runService({ name: 'user', loadConfig: () => loadUserConfig(), buildApp: buildUserApp });
