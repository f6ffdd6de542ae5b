import { describe, expect, it } from 'vitest';
import { serverName } from '../src/host-name.ts';

describe('serverName', () => {
  it.each([
    ['myshop.com', 'myshop.com'],
    ['MyShop.COM:8080', 'myshop.com'],
    ['myshop.com.', 'myshop.com'],
    ['myshop.com.:8080', 'myshop.com'],
    ['myshop.com:', 'myshop.com'],
    ['myshop.com:abc', 'myshop.com'],
    ['.myshop.com', '.myshop.com'],
    ['[::1]:8080', '[::1]'],
    ['[::1', '[::1'],
    ['my_shop.com', 'my_shop.com'],
  ])('reads %j as nginx does: %j', (host, name) => {
    expect(serverName(host)).toBe(name);
  });

  it.each(['', ':80', '.', '..', 'myshop..com', 'a/b', 'my shop.com', 'myshop.com\t', 'myshop.com:8..0'])(
    'reads no name from %j, which nginx refuses with 400',
    (host) => {
      expect(serverName(host)).toBeUndefined();
    },
  );
});
