import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createCataloguePages, type CataloguePages } from '../catalogue-pages.ts';
import { loadCatalogue, type Catalogue } from '../catalogue.ts';

declare module 'fastify' {
  interface FastifyInstance {
    catalogue: Catalogue;
    /** Its pages, serialized once (GET /cart/products). */
    cataloguePages: CataloguePages;
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
  // Built from this snapshot and kept beside it: pages never outlive the catalogue they show.
  app.decorate('cataloguePages', createCataloguePages(snapshot));
}

export const cataloguePlugin = fp(catalogue, { name: 'catalogue', fastify: '5.x', dependencies: ['@myshop/db'] });
