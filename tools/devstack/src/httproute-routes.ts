import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { IngressRoute } from './ingress-routes.ts';

interface HttpRouteRule {
  matches?: Array<{ path?: { type?: string; value?: string }; headers?: unknown; queryParams?: unknown; method?: unknown }>;
  backendRefs?: Array<{ name?: string; port?: number; kind?: string }>;
}

interface HttpRouteDocument {
  kind?: string;
  metadata?: { name?: string };
  spec?: { hostnames?: string[]; rules?: HttpRouteRule[] };
}

/** Gateway API path types in the Ingress's terms: PathPrefix matches whole path elements, as Prefix does. */
const PATH_TYPES: Record<string, IngressRoute['pathType']> = { PathPrefix: 'Prefix', Exact: 'Exact' };

/**
 * The routes of every HTTPRoute in a manifest file (k8s/components/gateway-api), in the shape the
 * local gateway routes by. What it cannot do as a Gateway would (regular expressions, matches on
 * headers, query or method, split backends) is refused, naming the file and the rule, rather than
 * routed differently from the cluster.
 */
export function readHttpRouteRoutes(manifestPath: string): IngressRoute[] {
  const documents = parseAllDocuments(readFileSync(manifestPath, 'utf8')).map((document) => document.toJS() as HttpRouteDocument);
  return documents
    .filter((document) => document?.kind === 'HTTPRoute')
    .flatMap((route) => {
      const hosts = route.spec?.hostnames?.length ? route.spec.hostnames : ['*'];
      return (route.spec?.rules ?? []).flatMap((rule, index) => {
        const refuse = (what: string): never => {
          throw new Error(
            `${manifestPath}: HTTPRoute ${route.metadata?.name ?? '(unnamed)'} rule ${index + 1}: ${what}, which the local gateway does not route by`,
          );
        };
        const backends = rule.backendRefs ?? [];
        if (backends.length !== 1) refuse(`${backends.length} backendRefs`);
        const [backend] = backends;
        if ((backend!.kind ?? 'Service') !== 'Service' || !backend!.name) refuse('a backend that is not a named Service');
        // No matches is one match of every path (the Gateway API's default).
        const matches = rule.matches?.length ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
        return matches.flatMap((match) => {
          const extra = (['headers', 'queryParams', 'method'] as const).find((key) => key in match);
          if (extra) refuse(`matches on ${extra}`);
          const type = match.path?.type ?? 'PathPrefix';
          const pathType = PATH_TYPES[type] ?? refuse(`path type ${type}`);
          return hosts.map((host) => ({
            host,
            path: match.path?.value ?? '/',
            pathType,
            service: backend!.name!,
            port: backend!.port ?? 80,
          }));
        });
      });
    });
}
