import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { loadCatalogue, type Catalogue } from '../catalogue.ts';

declare module 'fastify' {
  interface FastifyInstance {
    catalogue: Catalogue;
  }
}

/**
 * The catalogue in memory, read once while the app starts: after the database plugin has
 * migrated (and seeded) it, before the app is ready. A database that cannot be read here stops
 * the start, as a failed migration does.
 */
async function catalogue(app: FastifyInstance, { currency }: { currency: string }): Promise<void> {
  const snapshot = await loadCatalogue(app.db, currency);
  app.log.info({ products: snapshot.size }, 'catalogue loaded');
  app.decorate('catalogue', snapshot);
}

export const cataloguePlugin = fp(catalogue, { name: 'catalogue', fastify: '5.x', dependencies: ['@myshop/db'] });
