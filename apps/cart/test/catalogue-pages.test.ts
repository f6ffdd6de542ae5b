import { describe, expect, it } from 'vitest';
import { createCataloguePages } from '../src/catalogue-pages.ts';
import type { Catalogue } from '../src/catalogue.ts';
import type { Product } from '../src/schemas.ts';

const product = (n: number): Product => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `p${n}`,
  description: '',
  price: 100 + n,
  currency: 'USD',
});

function catalogueOf(products: Product[]): Catalogue {
  return {
    list(limit, afterId) {
      const start = afterId === undefined ? 0 : products.findIndex((p) => p.id === afterId) + 1 || products.length;
      return products.slice(start, start + limit);
    },
    find: (id) => products.find((p) => p.id === id),
    size: products.length,
  };
}

function countingSerializer() {
  const calls: unknown[] = [];
  return { calls, serialize: (page: unknown) => (calls.push(page), JSON.stringify(page)) };
}

describe('createCataloguePages', () => {
  const products = Array.from({ length: 10 }, (_, i) => product(i));

  it('serializes a page once, and serves the same bytes and ETag after', async () => {
    const pages = createCataloguePages(catalogueOf(products));
    const { calls, serialize } = countingSerializer();
    const first = await pages.page(3, undefined, serialize);
    const again = await pages.page(3, undefined, serialize);
    expect(calls).toHaveLength(1);
    expect(again).toBe(first);
    expect(JSON.parse(first.body.toString())).toEqual({ items: products.slice(0, 3), nextCursor: expect.any(String) });
  });

  it('keys a page by what it shows: every cursor naming no product shares the one empty page', async () => {
    const pages = createCataloguePages(catalogueOf(products));
    const { calls, serialize } = countingSerializer();
    const unknown = ['00000000-0000-4000-8000-999999999991', '00000000-0000-4000-8000-999999999992'];
    const [a, b] = [await pages.page(5, unknown[0], serialize), await pages.page(5, unknown[1], serialize)];
    expect(calls).toHaveLength(1);
    expect(b).toBe(a);
    expect(JSON.parse(a.body.toString())).toEqual({ items: [], nextCursor: null });
  });

  it('gives the same content the same ETag, and other content another', async () => {
    const { serialize } = countingSerializer();
    const one = await createCataloguePages(catalogueOf(products)).page(4, undefined, serialize);
    const two = await createCataloguePages(catalogueOf(products)).page(4, undefined, serialize);
    const repriced = await createCataloguePages(catalogueOf([{ ...products[0]!, price: 1 }, ...products.slice(1)])).page(
      4,
      undefined,
      serialize,
    );
    expect(two.etag).toBe(one.etag);
    expect(repriced.etag).not.toBe(one.etag);
  });

  it('holds no more bytes than its bound: past it, the least recent pages are serialized again', async () => {
    const { calls, serialize } = countingSerializer();
    // Pages of two products starting at 0, 2 and 4: the same size each.
    const starts = [undefined, products[1]!.id, products[3]!.id];
    const onePage = (await createCataloguePages(catalogueOf(products)).page(2, undefined, serialize)).body.byteLength;
    calls.length = 0;
    const pages = createCataloguePages(catalogueOf(products), onePage * 2);
    for (const after of starts) await pages.page(2, after, serialize);
    expect(calls).toHaveLength(3);
    await pages.page(2, starts[2], serialize);
    await pages.page(2, starts[1], serialize);
    expect(calls).toHaveLength(3);
    // The first page was the least recent when the third came: it is serialized again.
    await pages.page(2, starts[0], serialize);
    expect(calls).toHaveLength(4);
  });
});
