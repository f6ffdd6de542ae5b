import { describe, expect, it } from 'vitest';
import { environmentCombinations, renderCombination } from '../src/kustomize.ts';
import { allows, outsiders, podsOf, type Endpoint } from '../src/network.ts';
import { byKind } from '../src/workloads.ts';

const SERVICES = ['user', 'cart', 'payment'];
const HTTP = 5000;
const METRICS = 9464;
// Who calls whom, and nothing else: cart charges through payment and both verify tokens with user's JWKS.
const CALLS = new Set(['cart→payment', 'cart→user', 'payment→user']);

describe.each(environmentCombinations().map((combination) => [combination.name, combination] as const))('network policies of %s', (_name, combination) => {
  const objects = renderCombination(combination);
  const pods = podsOf(objects);
  const pod = (name: string): Endpoint => {
    const found = pods.get(name);
    if (!found) throw new Error(`no workload ${name}`);
    return found;
  };

  it('starts from default deny, in and out, for every pod', () => {
    const denyAll = byKind(objects, 'NetworkPolicy').filter((policy) => {
      const spec = policy.spec as { podSelector: object; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
      return Object.keys(spec.podSelector).length === 0 && spec.policyTypes?.includes('Ingress') && spec.policyTypes.includes('Egress') && !spec.ingress?.length && !spec.egress?.length;
    });
    expect(denyAll.map((policy) => policy.metadata.name)).toEqual(['default-deny']);
  });

  it('lets the services call each other exactly as the design says, and no other way', () => {
    const allowed = SERVICES.flatMap((from) => SERVICES.filter((to) => to !== from && allows(objects, pod(from), pod(to), HTTP)).map((to) => `${from}→${to}`));
    expect(new Set(allowed)).toEqual(CALLS);
  });

  it('lets the Ingress controller reach every service on http, never on metrics', () => {
    for (const service of SERVICES) {
      expect(allows(objects, outsiders.ingressController, pod(service), HTTP), service).toBe(true);
      expect(allows(objects, outsiders.ingressController, pod(service), METRICS), service).toBe(false);
    }
  });

  it('lets Prometheus scrape every metrics port, and nothing else', () => {
    for (const service of SERVICES) {
      expect(allows(objects, outsiders.prometheus, pod(service), METRICS), service).toBe(true);
      expect(allows(objects, outsiders.prometheus, pod(service), HTTP), service).toBe(false);
    }
  });

  it('lets every service resolve names and reach PostgreSQL, and not the internet', () => {
    const database = pods.get('postgres') ?? outsiders.managedDatabase;
    for (const service of SERVICES) {
      expect(allows(objects, pod(service), outsiders.dns, 53, 'UDP'), service).toBe(true);
      expect(allows(objects, pod(service), database, 5432), service).toBe(true);
      expect(allows(objects, pod(service), outsiders.internet, 443), service).toBe(false);
    }
  });

  it('keeps pods of other namespaces out, even one that calls itself cart', () => {
    for (const target of pods.values()) {
      for (const port of [HTTP, METRICS, 5432]) expect(allows(objects, outsiders.strangerPod, target, port), `${target.name}:${port}`).toBe(false);
    }
  });

  const database = pods.get('postgres');
  if (database) it('admits only the services to the in-cluster database', () => {
    for (const service of SERVICES) expect(allows(objects, pod(service), database, 5432)).toBe(true);
    expect(allows(objects, outsiders.ingressController, database, 5432)).toBe(false);
    expect(allows(objects, database, outsiders.internet, 443)).toBe(false);
  });
});

describe('the network policy evaluator', () => {
  const objects = renderCombination(environmentCombinations()[0]!);
  const pods = podsOf(objects);

  it('denies a call once the caller\'s egress rule for it is gone', () => {
    expect(allows(objects, pods.get('cart')!, pods.get('payment')!, HTTP)).toBe(true);
    const withoutRule = objects.map((object) => {
      if (object.kind !== 'NetworkPolicy' || object.metadata.name !== 'cart') return object;
      const copy = structuredClone(object) as typeof object & { spec: { egress: Array<{ to?: Array<{ podSelector?: { matchLabels?: Record<string, string> } }> }> } };
      copy.spec.egress = copy.spec.egress.filter((rule) => rule.to?.[0]?.podSelector?.matchLabels?.app !== 'payment');
      return copy;
    });
    expect(allows(withoutRule, pods.get('cart')!, pods.get('payment')!, HTTP)).toBe(false);
  });

  it('judges an ipBlock by address: an outside party is reached inside the block and outside its exceptions', () => {
    const withBlock = structuredClone(objects);
    const cart = withBlock.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'cart')!.spec as { egress: unknown[] };
    cart.egress.push({ to: [{ ipBlock: { cidr: '10.20.30.0/24', except: ['10.20.30.128/25'] } }], ports: [{ port: 6379, protocol: 'TCP' }] });
    const at = (address: string) => allows(withBlock, pods.get('cart')!, { name: address, external: true, address }, 6379);
    expect([at('10.20.30.40'), at('10.20.30.200'), at('10.20.31.1'), at('2001:db8::1')]).toEqual([true, false, false, false]);
    // An outside party of no known address is wherever the block says: the managed database.
    expect(allows(withBlock, pods.get('cart')!, outsiders.managedDatabase, 6379)).toBe(true);
  });

  it('opens everything once the policies are gone (so the tests above are not vacuous)', () => {
    const open = objects.filter((object) => object.kind !== 'NetworkPolicy');
    expect(allows(open, outsiders.strangerPod, pods.get('payment')!, HTTP)).toBe(true);
  });
});
