/**
 * A small evaluator of NetworkPolicy semantics (the subset the manifests use: pod and namespace
 * selectors, ipBlock-free peers, named and numbered ports), to ask "may A reach B on port P?"
 * of a rendered namespace the way a policy-enforcing CNI would answer it.
 */
import type { K8sObject } from './kustomize.ts';
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
}

/** The pods of a rendered namespace, one per workload, named after it. */
export function podsOf(objects: K8sObject[]): Map<string, Endpoint> {
  const namespace = byKind(objects, 'Namespace')[0]?.metadata.name ?? objects.find((object) => object.metadata.namespace)?.metadata.namespace ?? 'default';
  return new Map(
    workloads(objects).map(({ object, podLabels, pod }) => [
      object.metadata.name,
      { name: object.metadata.name, namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, labels: podLabels, pod },
    ]),
  );
}

const policiesOf = (objects: K8sObject[]) => byKind(objects, 'NetworkPolicy').map((policy) => ({ policy, spec: policy.spec as PolicySpec }));

function peerMatches(peer: Peer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock) return endpoint.external === true;
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
    if (typeof candidate.port === 'number') return candidate.endPort ? port >= candidate.port && port <= candidate.endPort : candidate.port === port;
    // A named port is the destination pod's port of that name.
    return (destination.pod?.containers ?? []).some((container) => (container.ports ?? []).some((p) => p.name === candidate.port && p.containerPort === port));
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
      (rule) => (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, policy.metadata.namespace!, to))) && portMatches(rule.ports, to, port, protocol),
    ),
  );
  if (egress.length > 0 && !egressAllowed) return false;
  const ingress = isolated(objects, to, 'Ingress');
  const ingressAllowed = ingress.some(({ policy, spec }) =>
    (spec.ingress ?? []).some(
      (rule) => (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, policy.metadata.namespace!, from))) && portMatches(rule.ports, to, port, protocol),
    ),
  );
  return ingress.length === 0 || ingressAllowed;
}

/** Pods outside the namespace that the policies speak of, as a cluster would run them. */
export const outsiders = {
  ingressController: { name: 'ingress-nginx', namespace: 'ingress-nginx', namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  prometheus: { name: 'prometheus', namespace: 'monitoring', namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, labels: { 'app.kubernetes.io/name': 'prometheus' } },
  dns: { name: 'kube-dns', namespace: 'kube-system', namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' }, labels: { 'k8s-app': 'kube-dns' } },
  strangerPod: { name: 'a pod of another namespace', namespace: 'elsewhere', namespaceLabels: { 'kubernetes.io/metadata.name': 'elsewhere' }, labels: { app: 'cart' } },
  managedDatabase: { name: 'a managed PostgreSQL', external: true },
  internet: { name: 'the internet', external: true },
} satisfies Record<string, Endpoint>;
