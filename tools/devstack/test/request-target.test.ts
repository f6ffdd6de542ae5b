import { describe, expect, it } from 'vitest';
import { originForm } from '../src/request-target.ts';

describe('originForm', () => {
  it.each([
    ['http://myshop.com/cart/products?limit=1', '/cart/products?limit=1'],
    ['HTTPS://MyShop.com:8443/cart', '/cart'],
    ['ftp://myshop.com:/cart/../x', '/cart/../x'],
    ['http://myshop.com?limit=1', '/?limit=1'],
    ['http://myshop.com', '/'],
    ['http://[::1]:8080/cart', '/cart'],
    // Already a path, or no target nginx reads: left as it came, for the gateway to judge.
    ['/cart/http://x/y', '/cart/http://x/y'],
    ['*', '*'],
    ['http://user@myshop.com/cart', 'http://user@myshop.com/cart'],
    ['http://my_shop.com/cart', 'http://my_shop.com/cart'],
  ])('reads %s as %s', (url, path) => {
    expect(originForm({ url })).toBe(path);
  });
});
