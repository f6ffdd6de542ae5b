import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client address as attempt limits and known addresses count it, from `request.ip` (the
 * address the nearest trusted proxy saw, see TRUST_PROXY_HOPS):
 * - IPv4 as is, also when it arrives IPv4-mapped (`::ffff:203.0.113.7`, a dual-stack socket);
 * - IPv6 by its /64 network (`2001:db8:1:2::/64`): one subscriber usually holds a whole /64
 *   and can pick a new address in it for every request, so counting single addresses would
 *   let one client count as billions.
 */
export function clientAddress(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
  const [head = '', tail] = ip.replace(/%.*$/, '').split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').flatMap(group));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right];
}

/** One group, or the two groups of a trailing dotted IPv4 part (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`). */
function group(text: string): string[] {
  if (!text.includes('.')) return [Number.parseInt(text, 16).toString(16)];
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
