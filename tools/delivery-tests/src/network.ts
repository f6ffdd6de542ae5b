/**
 * A small evaluator of NetworkPolicy semantics (the subset the manifests use: pod and namespace
 * selectors, ipBlocks for addresses outside the cluster, named and numbered ports), to ask "may A
 * reach B on port P?" of a rendered namespace the way a policy-enforcing CNI would answer it.
 */
import { inCidr, parseCidr, type K8sObject } from '@myshop/release';
import { byKind, selects, workloads, type LabelSelector, type PodSpec } from './workloads.ts';

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: Array<'Ingress' | 'Egress'>;
  ingress?: Rule[];
  egress?: Rule[];
}

/** A party to a connection: a pod (in the rendered namespace or elsewhere), or an address outside the cluster. */
export interface Endpoint {
  /** For messages. */
  name: string;
  namespace?: string;
  namespaceLabels?: Record<string, string>;
  labels?: Record<string, string>;
  /** The pod's spec, to resolve named ports; pods of the rendered namespace have it. */
  pod?: PodSpec;
  /** Outside the cluster (a managed database, the internet). */
  external?: boolean;
  /**
   * Its address, for ipBlocks to contain or not. Without one, an outside party is wherever the
   * policy's ipBlock says (the managed database is at the address the environment names).
   */
  address?: string;
}

/** The pods of a rendered namespace, one per workload, named after it. */
export function podsOf(objects: K8sObject[]): Map<string, Endpoint> {
  const namespace =
    byKind(objects, 'Namespace')[0]?.metadata.name ?? objects.find((object) => object.metadata.namespace)?.metadata.namespace ?? 'default';
  return new Map(
    workloads(objects).map(({ object, podLabels, pod }) => [
      object.metadata.name,
      { ...podIn(namespace, object.metadata.name, podLabels), pod },
    ]),
  );
}

/**
 * A pod with `labels` in `namespace`. Kubernetes labels every namespace with its own name
 * (kubernetes.io/metadata.name), the one namespace label a policy can count on.
 */
function podIn(namespace: string, name: string, labels: Record<string, string>) {
  return { name, namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, labels };
}

const policiesOf = (objects: K8sObject[]) =>
  byKind(objects, 'NetworkPolicy').map((policy) => ({ policy, spec: policy.spec as PolicySpec }));

function peerMatches(peer: Peer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock) {
    if (!endpoint.external) return false;
    if (endpoint.address === undefined) return true;
    const { cidr, except = [] } = peer.ipBlock;
    return inCidr(cidr, endpoint.address) && !except.some((excluded) => inCidr(excluded, endpoint.address!));
  }
  if (endpoint.external) return false;
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, endpoint.namespaceLabels ?? {})) return false;
  } else if (endpoint.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? selects(peer.podSelector, endpoint.labels ?? {}) : true;
}

function portMatches(ports: PolicyPort[] | undefined, destination: Endpoint, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((candidate) => {
    if ((candidate.protocol ?? 'TCP') !== protocol) return false;
    if (candidate.port === undefined) return true;
    if (typeof candidate.port === 'number')
      return candidate.endPort ? port >= candidate.port && port <= candidate.endPort : candidate.port === port;
    // A named port is the destination pod's port of that name.
    return (destination.pod?.containers ?? []).some((container) =>
      (container.ports ?? []).some((p) => p.name === candidate.port && p.containerPort === port),
    );
  });
}

/** The policies that select `endpoint` for `direction`; none means that direction is open. */
function isolated(objects: K8sObject[], endpoint: Endpoint, direction: 'Ingress' | 'Egress') {
  if (endpoint.external) return [];
  return policiesOf(objects).filter(
    ({ policy, spec }) =>
      policy.metadata.namespace === endpoint.namespace &&
      selects(spec.podSelector, endpoint.labels ?? {}) &&
      (spec.policyTypes ?? (direction === 'Ingress' || spec.egress ? [direction] : [])).includes(direction),
  );
}

/**
 * Whether `from` may open a connection to `to` on `port`: the egress policies of `from` and the
 * ingress policies of `to` must both allow it. Only the rendered namespace's policies are known;
 * a party elsewhere counts as unrestricted on its side (its own namespace decides).
 */
export function allows(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const egress = isolated(objects, from, 'Egress');
  const egressAllowed = egress.some(({ policy, spec }) =>
    (spec.egress ?? []).some(
      (rule) =>
        (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, policy.metadata.namespace!, to))) &&
        portMatches(rule.ports, to, port, protocol),
    ),
  );
  if (egress.length > 0 && !egressAllowed) return false;
  return admits(objects, from, to, port, protocol);
}

/** The ingress half of `allows`: whether the policies of `to` let `from` in on `port`. */
export function admits(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const ingress = isolated(objects, to, 'Ingress');
  const ingressAllowed = ingress.some(({ policy, spec }) =>
    (spec.ingress ?? []).some(
      (rule) =>
        (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, policy.metadata.namespace!, from))) &&
        portMatches(rule.ports, to, port, protocol),
    ),
  );
  return ingress.length === 0 || ingressAllowed;
}

/** Pods outside the namespace that the policies speak of, as a cluster would run them. */
export const outsiders = {
  ingressController: podIn('ingress-nginx', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
  /** A proxy Envoy Gateway runs for the Gateway `myshop` (k8s/components/gateway-api). */
  gatewayProxy: podIn('envoy-gateway-system', 'envoy-gateway proxy', {
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/component': 'proxy',
    'app.kubernetes.io/managed-by': 'envoy-gateway',
    'gateway.envoyproxy.io/owning-gateway-name': 'myshop',
  }),
  prometheus: podIn('monitoring', 'prometheus', { 'app.kubernetes.io/name': 'prometheus' }),
  dns: podIn('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' }),
  strangerPod: podIn('elsewhere', 'a pod of another namespace', { app: 'cart' }),
  strangerDatabase: podIn('elsewhere', 'a PostgreSQL of another namespace', { app: 'postgres' }),
  managedDatabase: { name: 'a managed PostgreSQL', external: true },
  internet: { name: 'the internet', external: true, address: '203.0.113.7' },
} satisfies Record<string, Endpoint>;

/*
 * Checks of where database traffic may go. Like the checks of policy.ts, each returns the problems
 * it found as sentences naming the policy and its rule.
 */

const POSTGRES = 5432;

/**
 * Whether a rule's ports may let `port` through. A named port is the destination pod's, which may
 * be anything on a pod the manifests do not know: it counts.
 */
function portMayMatch(ports: PolicyPort[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((candidate) => {
    if ((candidate.protocol ?? 'TCP') !== protocol) return false;
    if (candidate.port === undefined || typeof candidate.port === 'string') return true;
    return candidate.endPort ? port >= candidate.port && port <= candidate.endPort : candidate.port === port;
  });
}

/** Why a peer stands for "anywhere", or undefined when it names something narrower. */
function everywhere(peer: Peer | undefined): string | undefined {
  if (!peer) return 'no `to` peer';
  if (peer.ipBlock && parseCidr(peer.ipBlock.cidr)?.prefix === 0) return peer.ipBlock.cidr;
  const empty = (selector: LabelSelector | undefined) => selector !== undefined && Object.keys(selector).length === 0;
  if (!peer.ipBlock && empty(peer.namespaceSelector) && (!peer.podSelector || empty(peer.podSelector)))
    return 'every pod of every namespace';
  return undefined;
}

const rulesOf = (spec: PolicySpec) => (spec.egress ?? []).map((rule, index) => ({ rule, where: `egress rule ${index + 1}` }));

/**
 * No egress rule lets `port` (PostgreSQL's, by default) go anywhere: each rule that lets it through
 * names a peer, and no peer is 0.0.0.0/0, ::/0 or every pod of every namespace.
 */
export function openEgressProblems(objects: K8sObject[], port = POSTGRES, protocol = 'TCP'): string[] {
  const problems: string[] = [];
  for (const { policy, spec } of policiesOf(objects)) {
    for (const { rule, where } of rulesOf(spec)) {
      if (!portMayMatch(rule.ports, port, protocol)) continue;
      const peers = rule.to && rule.to.length > 0 ? rule.to : [undefined];
      for (const peer of peers) {
        const anywhere = everywhere(peer);
        if (anywhere) problems.push(`NetworkPolicy/${policy.metadata.name} ${where}: allows ${protocol} ${port} to anywhere (${anywhere})`);
      }
    }
  }
  return problems;
}

/** The peers of the rules that let `client` send to `port`, each with the policy and rule that grant it. */
function egressPeersOf(objects: K8sObject[], client: Endpoint, port: number) {
  return isolated(objects, client, 'Egress').flatMap(({ policy, spec }) =>
    rulesOf(spec)
      .filter(({ rule }) => portMayMatch(rule.ports, port, 'TCP'))
      .flatMap(({ rule, where }) =>
        (rule.to && rule.to.length > 0 ? rule.to : [undefined]).map((peer) => ({
          peer,
          namespace: policy.metadata.namespace!,
          where: `NetworkPolicy/${policy.metadata.name} ${where}`,
        })),
      ),
  );
}

/** A namespace that has every label `selector` asks for, but another name: does the selector take it too? */
function selectsOtherNamespaces(selector: LabelSelector, namespace: string): boolean {
  const labels: Record<string, string> = { ...selector.matchLabels };
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === 'In') labels[key] = values[0] ?? '';
    else if (operator === 'Exists') labels[key] = 'any';
  }
  labels['kubernetes.io/metadata.name'] = `not-${namespace}`;
  return selects(selector, labels);
}

/** The widest ipBlock that can still be one database's network: its subnet, not a whole network. */
const WIDEST_PREFIX = { ipv4: 16, ipv6: 48 };

export interface DatabaseEgressOptions {
  /** The workloads that use the database (the services): each reaches it, and nothing else, on its port. */
  clients: string[];
  /**
   * The workload of the in-cluster database (`postgres`), when the render includes it: the clients'
   * database traffic goes to exactly its pods, whose policy admits exactly the clients. Without it
   * the database is outside the cluster: the traffic goes to ipBlocks of its network only.
   */
  inCluster?: string;
  port?: number;
}

/** Each client's database traffic goes to its database and nowhere else, and the database lets it in. */
export function databaseEgressProblems(objects: K8sObject[], { clients, inCluster, port = POSTGRES }: DatabaseEgressOptions): string[] {
  const problems: string[] = [];
  const pods = podsOf(objects);
  const database = inCluster === undefined ? undefined : pods.get(inCluster);
  if (inCluster !== undefined && !database) return [`no workload ${inCluster}: the in-cluster database is not in these manifests`];
  for (const client of clients) {
    const pod = pods.get(client);
    if (!pod) {
      problems.push(`no workload ${client}`);
      continue;
    }
    const peers = egressPeersOf(objects, pod, port);
    if (peers.length === 0) problems.push(`${client}: no egress rule lets it reach its database on TCP ${port}`);
    for (const { peer, namespace, where } of peers) {
      const at = `${client}: ${where}`;
      const anywhere = everywhere(peer);
      if (anywhere || !peer) {
        problems.push(`${at}: sends TCP ${port} anywhere (${anywhere})`);
      } else if (database) {
        if (peer.ipBlock) {
          problems.push(`${at}: sends TCP ${port} to ${peer.ipBlock.cidr} as well; the database is the in-cluster ${inCluster}`);
          continue;
        }
        const selected = [...pods.values()]
          .filter((candidate) => peerMatches(peer, namespace, candidate))
          .map((candidate) => candidate.name)
          .sort();
        if (selected.length !== 1 || selected[0] !== inCluster)
          problems.push(`${at}: selects ${selected.join(', ') || 'no pod'}, not exactly the pods of ${inCluster}`);
        if (peer.namespaceSelector && selectsOtherNamespaces(peer.namespaceSelector, namespace))
          problems.push(`${at}: selects pods of other namespaces too`);
      } else if (!peer.ipBlock) {
        problems.push(`${at}: selects pods, but this environment's database is outside the cluster (an ipBlock of its address)`);
      } else {
        const block = parseCidr(peer.ipBlock.cidr);
        if (!block) problems.push(`${at}: ${peer.ipBlock.cidr} is not a CIDR`);
        else if (block.prefix < WIDEST_PREFIX[block.family])
          problems.push(`${at}: ${peer.ipBlock.cidr} is wider than a /${WIDEST_PREFIX[block.family]}: a network, not a database's address`);
      }
    }
    if (database && !admits(objects, pod, database, port))
      problems.push(`${client}: the NetworkPolicy of ${inCluster} does not let it in on TCP ${port}`);
  }
  if (database) {
    for (const other of pods.values()) {
      if (other.name !== inCluster && !clients.includes(other.name) && admits(objects, other, database, port))
        problems.push(`${other.name}: may connect to ${inCluster} on TCP ${port}, which admits only ${clients.join(', ')}`);
    }
    for (const client of clients) {
      const impostor = {
        ...outsiders.strangerPod,
        name: `a pod of another namespace labelled as ${client}`,
        labels: { ...pods.get(client)?.labels, app: client },
      };
      if (admits(objects, impostor, database, port)) problems.push(`${impostor.name}: may connect to ${inCluster} on TCP ${port}`);
    }
  }
  return problems;
}
