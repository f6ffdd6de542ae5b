/**
 * Everything that the SDK instruments (Fastify, undici, and pg through @myshop/db), loaded only
 * when start-telemetry.test.ts imports this file after starting the SDK, as the preload
 * guarantees for the services (@myshop/testing loads pg too).
 */
export { default as Fastify } from 'fastify';
export { Pool } from 'undici';
export { createDatabase } from '@myshop/db';
export { createTestDatabase } from '@myshop/testing';
