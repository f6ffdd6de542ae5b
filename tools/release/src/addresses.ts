/**
 * Addresses in NetworkPolicies: CIDRs, and the documentation addresses a placeholder is written
 * with. `npm run pin-prod-images` refuses a release while one is left (releaseProblems).
 */
import { BlockList, isIP } from 'node:net';
import type { K8sObject } from './kustomize.ts';

/** `10.0.0.0/16` → its address and prefix length; undefined when it is no CIDR. */
export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  const version = match ? isIP(match[1]!) : 0;
  if (!match || version === 0) return undefined;
  const prefix = Number(match[2]);
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address: match[1]!, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function inCidr(cidr: string, address: string): boolean {
  const block = parseCidr(cidr);
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  if (!block || block.family !== family) return false;
  const list = new BlockList();
  list.addSubnet(block.address, block.prefix, block.family);
  return list.check(address, family);
}

/** Documentation addresses (RFC 5737, RFC 3849): what a placeholder is written with, and no network routes. */
const DOCUMENTATION = [
  { cidr: '192.0.2.0/24', rfc: 'RFC 5737' },
  { cidr: '198.51.100.0/24', rfc: 'RFC 5737' },
  { cidr: '203.0.113.0/24', rfc: 'RFC 5737' },
  { cidr: '2001:db8::/32', rfc: 'RFC 3849' },
];

/** The peers of a NetworkPolicy's rules, as far as addresses go. */
interface PolicyRules {
  ingress?: Array<{ from?: Array<{ ipBlock?: { cidr: string } }> }>;
  egress?: Array<{ to?: Array<{ ipBlock?: { cidr: string } }> }>;
}

/**
 * No NetworkPolicy names a documentation address: one stands in for an address the operator has
 * to set (prod's managed database), and reaches nothing until they do.
 */
export function placeholderAddressProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const policy of objects.filter((object) => object.kind === 'NetworkPolicy')) {
    const spec = policy.spec as PolicyRules;
    const rules = [
      ...(spec.ingress ?? []).map((rule, index) => ({ peers: rule.from, where: `ingress rule ${index + 1}` })),
      ...(spec.egress ?? []).map((rule, index) => ({ peers: rule.to, where: `egress rule ${index + 1}` })),
    ];
    for (const { peers, where } of rules) {
      for (const peer of peers ?? []) {
        const address = peer.ipBlock && parseCidr(peer.ipBlock.cidr)?.address;
        const documentation = address && DOCUMENTATION.find(({ cidr }) => inCidr(cidr, address));
        if (documentation)
          problems.push(
            `NetworkPolicy/${policy.metadata.name} ${where}: ${peer.ipBlock!.cidr} is a documentation address (${documentation.rfc}), a placeholder still to be replaced by the real one`,
          );
      }
    }
  }
  return problems;
}
