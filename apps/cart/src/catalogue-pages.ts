import { createHash } from 'node:crypto';
import { paginate } from '@myshop/schemas';
import { LRUCache } from 'lru-cache';
import type { Catalogue } from './catalogue.ts';
import type { Product } from './schemas.ts';

/** A page of the catalogue as it goes on the wire, and its strong validator. */
export interface CataloguePage {
  body: Buffer;
  /** A strong entity tag: a digest of the body, so every replica serving the same catalogue gives the same one. */
  etag: string;
}

export type PageSerializer = (page: { items: Product[]; nextCursor: string | null }) => string;
export type ProductSerializer = (product: Product) => string;

export interface CataloguePages {
  /** The page `catalogue.list` gives for `limit` and `afterId`, serialized once and then served from memory. */
  page(limit: number, afterId: string | undefined, serialize: PageSerializer): Promise<CataloguePage>;
  /** One product as GET /cart/products/:id answers it, serialized once; undefined for an id the catalogue lacks. */
  product(id: string, serialize: ProductSerializer): CataloguePage | undefined;
}

/** Enough for every page of a catalogue of a few hundred products, whatever the limits asked. */
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Pages of one catalogue snapshot, and its products one by one, serialized (by the route's own
 * serializer) the first time they are asked for. They cannot go stale: the snapshot never changes
 * while the process runs (a new catalogue comes with new pods, see catalogue.ts), and the pages
 * are built from it and live beside it. Each replica keeps its own; the ETag is a digest of the bytes, so replicas serving
 * the same catalogue agree on it and a new catalogue changes it (a client revalidating at another
 * replica still gets its 304).
 *
 * A page is keyed by its limit and its first product, not by the cursor asked for: cursors
 * naming no product (all answered with the same empty page) cannot fill the cache, which holds
 * at most (products + 1) × limits entries, bounded in bytes besides.
 */
export function createCataloguePages(catalogue: Catalogue, maxBytes = DEFAULT_MAX_BYTES): CataloguePages {
  const pages = new LRUCache<string, CataloguePage>({ maxSize: maxBytes, sizeCalculation: (page) => page.body.byteLength });
  // One entry per product of the snapshot at most: as bounded as the catalogue itself.
  const products = new Map<string, CataloguePage>();
  return {
    async page(limit, afterId, serialize) {
      // One product more than the page shows: whether it exists says whether a next page does.
      const rows = catalogue.list(limit + 1, afterId);
      const key = `${limit}:${rows[0]?.id ?? ''}`;
      const cached = pages.get(key);
      if (cached) return cached;
      const body = Buffer.from(
        serialize(
          await paginate(
            limit,
            () => rows,
            (product) => [product.id],
          ),
        ),
      );
      const page = { body, etag: entityTagOf(body) };
      pages.set(key, page);
      return page;
    },
    product(id, serialize) {
      const product = catalogue.find(id);
      if (!product) return undefined;
      // Keyed by the product's own id, not the one asked for (any case of it): at most one entry a product.
      let answer = products.get(product.id);
      if (!answer) {
        const body = Buffer.from(serialize(product));
        answer = { body, etag: entityTagOf(body) };
        products.set(product.id, answer);
      }
      return answer;
    },
  };
}

/** A strong entity tag: a digest of the bytes, the same on every replica for the same content. */
function entityTagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
