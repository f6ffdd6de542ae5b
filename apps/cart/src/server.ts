import { runService } from '@myshop/server';
import { buildCartApp } from './app.ts';
import { loadCartConfig } from './config.ts';

await runService({ name: 'cart', loadConfig: () => loadCartConfig(), buildApp: buildCartApp });
