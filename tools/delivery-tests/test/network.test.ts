import { type K8sObject, KUBECTL_INSTALL, placeholderAddressProblems, render } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { environmentCombinations, renderCombination } from '../src/kustomizations.ts';
import { allows, databaseEgressProblems, openEgressProblems, outsiders, podsOf, type Endpoint } from '../src/network.ts';
import { byKind } from '../src/workloads.ts';

const SERVICES = ['user', 'cart', 'payment'];
const HTTP = 5000;
const METRICS = 9464;
// Who calls whom, and nothing else: cart charges through payment, exchanges tokens with user and
// reads its JWKS; payment verifies tokens with user's JWKS.
const CALLS = new Set(['cart→payment', 'cart→user', 'payment→user']);
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

describe.skipIf(!kubectl.path).each(environmentCombinations().map((combination) => [combination.name, combination] as const))(
  `network policies of %s${kubectl.skipNote}`,
  (_name, combination) => {
    // Without kubectl, nothing rendered and the tests skipped; the in-cluster database's own test,
    // which only the render can ask for, is then not listed.
    const objects = kubectl.path ? renderCombination(combination) : [];
    const pods = podsOf(objects);
    const pod = (name: string): Endpoint => {
      const found = pods.get(name);
      if (!found) throw new Error(`no workload ${name}`);
      return found;
    };

    it('starts from default deny, in and out, for every pod', () => {
      const denyAll = byKind(objects, 'NetworkPolicy').filter((policy) => {
        const spec = policy.spec as { podSelector: object; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
        return (
          Object.keys(spec.podSelector).length === 0 &&
          spec.policyTypes?.includes('Ingress') &&
          spec.policyTypes.includes('Egress') &&
          !spec.ingress?.length &&
          !spec.egress?.length
        );
      });
      expect(denyAll.map((policy) => policy.metadata.name)).toEqual(['default-deny']);
    });

    it('lets the services call each other exactly as the design says, and no other way', () => {
      const allowed = SERVICES.flatMap((from) =>
        SERVICES.filter((to) => to !== from && allows(objects, pod(from), pod(to), HTTP)).map((to) => `${from}→${to}`),
      );
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

    it('lets every service resolve names and reach its PostgreSQL, and no other PostgreSQL nor the internet', () => {
      const database = pods.get('postgres') ?? outsiders.managedDatabase;
      for (const service of SERVICES) {
        expect(allows(objects, pod(service), outsiders.dns, 53, 'UDP'), service).toBe(true);
        expect(allows(objects, pod(service), database, 5432), service).toBe(true);
        expect(allows(objects, pod(service), outsiders.internet, 443), service).toBe(false);
        expect(allows(objects, pod(service), outsiders.internet, 5432), service).toBe(false);
        expect(allows(objects, pod(service), outsiders.strangerDatabase, 5432), service).toBe(false);
      }
    });

    it('keeps pods of other namespaces out, even one that calls itself cart', () => {
      for (const target of pods.values()) {
        for (const port of [HTTP, METRICS, 5432])
          expect(allows(objects, outsiders.strangerPod, target, port), `${target.name}:${port}`).toBe(false);
      }
    });

    const database = pods.get('postgres');
    if (database)
      it('admits only the services to the in-cluster database', () => {
        for (const service of SERVICES) expect(allows(objects, pod(service), database, 5432)).toBe(true);
        expect(allows(objects, outsiders.ingressController, database, 5432)).toBe(false);
        expect(allows(objects, database, outsiders.internet, 443)).toBe(false);
      });
  },
);

describe.skipIf(!kubectl.path)(`the network policy evaluator${kubectl.skipNote}`, () => {
  const objects = kubectl.path ? renderCombination(environmentCombinations()[0]!) : [];
  const pods = podsOf(objects);

  it("denies a call once the caller's egress rule for it is gone", () => {
    expect(allows(objects, pods.get('cart')!, pods.get('payment')!, HTTP)).toBe(true);
    const withoutRule = objects.map((object) => {
      if (object.kind !== 'NetworkPolicy' || object.metadata.name !== 'cart') return object;
      const copy = structuredClone(object) as typeof object & {
        spec: { egress: Array<{ to?: Array<{ podSelector?: { matchLabels?: Record<string, string> } }> }> };
      };
      copy.spec.egress = copy.spec.egress.filter((rule) => rule.to?.[0]?.podSelector?.matchLabels?.app !== 'payment');
      return copy;
    });
    expect(allows(withoutRule, pods.get('cart')!, pods.get('payment')!, HTTP)).toBe(false);
  });

  it('judges an ipBlock by address: an outside party is reached inside the block and outside its exceptions', () => {
    const withBlock = structuredClone(objects);
    const cart = withBlock.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'cart')!.spec as {
      egress: unknown[];
    };
    cart.egress.push({
      to: [{ ipBlock: { cidr: '10.20.30.0/24', except: ['10.20.30.128/25'] } }],
      ports: [{ port: 6379, protocol: 'TCP' }],
    });
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

describe.skipIf(!kubectl.path)(`the database egress checks${kubectl.skipNote}`, () => {
  type Rule = { to?: Array<Record<string, unknown>>; ports?: Array<{ port: number | string; protocol?: string }> };
  const POSTGRES_PORT = [{ port: 5432, protocol: 'TCP' }];
  const policy = (objects: K8sObject[], name: string) =>
    objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === name)!.spec as {
      egress: Rule[];
      ingress: Array<{ from: unknown[] }>;
    };
  /** A copy of `dir`'s render with the services' database egress replaced by `rules`. */
  const withDatabaseEgress = (dir: string, rules: Rule[]) => {
    const objects = structuredClone(render(dir));
    policy(objects, 'services-to-database').egress = rules;
    return objects;
  };
  const dev = { clients: SERVICES, inCluster: 'postgres' };
  const prod = { clients: SERVICES };

  it('finds a rule that lets 5432 out without a peer, or to 0.0.0.0/0, ::/0 or every pod of every namespace', () => {
    const objects = structuredClone(render('k8s/overlays/prod'));
    policy(objects, 'cart').egress.push(
      { ports: POSTGRES_PORT },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: POSTGRES_PORT },
      { to: [{ namespaceSelector: {} }] },
      {},
    );
    expect(openEgressProblems(objects)).toEqual([
      'NetworkPolicy/cart egress rule 3: allows TCP 5432 to anywhere (no `to` peer)',
      'NetworkPolicy/cart egress rule 4: allows TCP 5432 to anywhere (0.0.0.0/0)',
      'NetworkPolicy/cart egress rule 4: allows TCP 5432 to anywhere (::/0)',
      'NetworkPolicy/cart egress rule 5: allows TCP 5432 to anywhere (every pod of every namespace)',
      'NetworkPolicy/cart egress rule 6: allows TCP 5432 to anywhere (no `to` peer)',
    ]);
    // A peerless rule for another port is not this check's business.
    policy(objects, 'cart').egress.splice(2, 4, { ports: [{ port: 443, protocol: 'TCP' }] });
    expect(openEgressProblems(objects)).toEqual([]);
  });

  it("finds in-cluster database traffic that may go to more than the database's pods, or that the database refuses", () => {
    const postgres = { podSelector: { matchLabels: { app: 'postgres' } } };
    expect(databaseEgressProblems(withDatabaseEgress('k8s/overlays/dev', [{ to: [postgres], ports: POSTGRES_PORT }]), dev)).toEqual([]);
    expect(databaseEgressProblems(withDatabaseEgress('k8s/overlays/dev', [{ ports: POSTGRES_PORT }]), dev)).toEqual(
      SERVICES.map((service) => `${service}: NetworkPolicy/services-to-database egress rule 1: sends TCP 5432 anywhere (no \`to\` peer)`),
    );
    expect(
      databaseEgressProblems(withDatabaseEgress('k8s/overlays/dev', [{ to: [{ podSelector: {} }], ports: POSTGRES_PORT }]), dev),
    ).toContain(
      'user: NetworkPolicy/services-to-database egress rule 1: selects cart, payment, postgres, user, not exactly the pods of postgres',
    );
    expect(
      databaseEgressProblems(
        withDatabaseEgress('k8s/overlays/dev', [
          { to: [{ ...postgres, namespaceSelector: {} }, { ipBlock: { cidr: '10.0.0.5/32' } }], ports: POSTGRES_PORT },
        ]),
        dev,
      ),
    ).toEqual(
      SERVICES.flatMap((service) => [
        `${service}: NetworkPolicy/services-to-database egress rule 1: selects pods of other namespaces too`,
        `${service}: NetworkPolicy/services-to-database egress rule 1: sends TCP 5432 to 10.0.0.5/32 as well; the database is the in-cluster postgres`,
      ]),
    );
    expect(databaseEgressProblems(withDatabaseEgress('k8s/overlays/dev', []), dev)).toEqual(
      SERVICES.map((service) => `${service}: no egress rule lets it reach its database on TCP 5432`),
    );

    const refusing = structuredClone(render('k8s/overlays/dev'));
    policy(refusing, 'postgres').ingress = [{ from: [{ podSelector: { matchLabels: { app: 'user' } } }] }];
    expect(databaseEgressProblems(refusing, dev)).toEqual([
      'cart: the NetworkPolicy of postgres does not let it in on TCP 5432',
      'payment: the NetworkPolicy of postgres does not let it in on TCP 5432',
    ]);
    const open = structuredClone(render('k8s/overlays/dev'));
    policy(open, 'postgres').ingress = [{ from: [{ namespaceSelector: {} }] }];
    expect(databaseEgressProblems(open, dev)).toEqual(
      SERVICES.map((service) => `a pod of another namespace labelled as ${service}: may connect to postgres on TCP 5432`),
    );
    expect(databaseEgressProblems(render('k8s/overlays/prod'), dev)).toEqual([
      'no workload postgres: the in-cluster database is not in these manifests',
    ]);
  });

  it('finds managed database traffic that is not for an address, or for a whole network', () => {
    const to = (peer: Record<string, unknown>) => withDatabaseEgress('k8s/overlays/prod', [{ to: [peer], ports: POSTGRES_PORT }]);
    const only = (problem: (service: string) => string) => SERVICES.map(problem);
    expect(databaseEgressProblems(to({ ipBlock: { cidr: '10.20.30.0/24' } }), prod)).toEqual([]);
    expect(databaseEgressProblems(to({ ipBlock: { cidr: '::/0' } }), prod)).toEqual(
      only((service) => `${service}: NetworkPolicy/services-to-database egress rule 1: sends TCP 5432 anywhere (::/0)`),
    );
    expect(databaseEgressProblems(to({ ipBlock: { cidr: '10.0.0.0/8' } }), prod)).toEqual(
      only(
        (service) =>
          `${service}: NetworkPolicy/services-to-database egress rule 1: 10.0.0.0/8 is wider than a /16: a network, not a database's address`,
      ),
    );
    expect(databaseEgressProblems(to({ ipBlock: { cidr: '10.0.0.300/32' } }), prod)).toEqual(
      only((service) => `${service}: NetworkPolicy/services-to-database egress rule 1: 10.0.0.300/32 is not a CIDR`),
    );
    expect(databaseEgressProblems(to({ podSelector: { matchLabels: { app: 'postgres' } } }), prod)).toEqual(
      only(
        (service) =>
          `${service}: NetworkPolicy/services-to-database egress rule 1: selects pods, but this environment's database is outside the cluster (an ipBlock of its address)`,
      ),
    );
  });

  it('finds a documentation address, the placeholder of an address still to be set', () => {
    const at = (cidr: string) =>
      placeholderAddressProblems(withDatabaseEgress('k8s/overlays/prod', [{ to: [{ ipBlock: { cidr } }], ports: POSTGRES_PORT }]));
    expect(at('192.0.2.10/32')).toEqual([
      'NetworkPolicy/services-to-database egress rule 1: 192.0.2.10/32 is a documentation address (RFC 5737), a placeholder still to be replaced by the real one',
    ]);
    expect(at('2001:db8::5/128')).toEqual([
      'NetworkPolicy/services-to-database egress rule 1: 2001:db8::5/128 is a documentation address (RFC 3849), a placeholder still to be replaced by the real one',
    ]);
    expect(at('10.20.30.40/32')).toEqual([]);
  });
});
