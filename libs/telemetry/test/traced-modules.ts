/**
 * Everything that the SDK instruments, loaded only when start-telemetry.test.ts imports this file
 * after starting the SDK, as the preload guarantees for the services (@myshop/testing loads pg).
 */
export { default as Fastify } from 'fastify';
export { Pool } from 'undici';
export { default as pg } from 'pg';
export { createTestDatabase } from '@myshop/testing';
