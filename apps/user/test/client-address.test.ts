import { describe, expect, it } from 'vitest';
import { clientAddress } from '../src/client-address.ts';

describe('clientAddress', () => {
  it.each([
    ['an IPv4 address', '203.0.113.7', '203.0.113.7'],
    ['an IPv4-mapped IPv6 address (a dual-stack socket)', '::ffff:203.0.113.7', '203.0.113.7'],
    ['an IPv6 address, by its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['another address of the same /64', '2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['a compressed address with the gap in the network part', '2001:db8::1', '2001:db8:0:0::/64'],
    // One zero group compressed, the groups after it reaching into the network part: the gap is counted exactly.
    ['a one-group gap with network groups after it', '2001:db8::5:6:7:8:9', '2001:db8:0:5::/64'],
    ['an address with a zone', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['the IPv6 loopback', '::1', '0:0:0:0::/64'],
    ['a NAT64 address with a dotted tail', '64:ff9b::198.51.100.1', '64:ff9b:0:0::/64'],
    ['something that is no address, as is', 'unknown', 'unknown'],
  ])('keeps %s as %s', (_case, ip, expected) => {
    expect(clientAddress(ip)).toBe(expected);
  });

  it('tells apart two /64 networks that differ in the last group of the prefix', () => {
    expect(clientAddress('2001:db8:1:2::1')).not.toBe(clientAddress('2001:db8:1:3::1'));
  });
});
