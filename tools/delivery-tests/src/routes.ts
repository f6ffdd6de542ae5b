import type { K8sObject } from '@myshop/release';
/**
 * The routes of an Ingress and of Gateway API HTTPRoutes, in one shape, so that the two ways into
 * the shop (base/ingress and components/gateway-api) can be held equal.
 */

export interface Route {
  host: string;
  /** `Prefix` of an Ingress and `PathPrefix` of an HTTPRoute both match whole path elements. */
  match: 'prefix' | 'exact';
  path: string;
  service: string;
  port: number;
}

interface IngressSpec {
  rules?: Array<{
    host?: string;
    http?: { paths?: Array<{ path?: string; pathType?: string; backend?: { service?: { name?: string; port?: { number?: number } } } }> };
  }>;
}

interface HTTPRouteSpec {
  hostnames?: string[];
  rules?: Array<{
    matches?: Array<{ path?: { type?: string; value?: string } }>;
    backendRefs?: Array<{ name: string; port?: number; kind?: string; group?: string }>;
  }>;
}

const byKey = (a: Route, b: Route) => JSON.stringify(a).localeCompare(JSON.stringify(b));

export function ingressRoutes(objects: K8sObject[]): Route[] {
  return objects
    .filter((object) => object.kind === 'Ingress')
    .flatMap((ingress) =>
      ((ingress.spec as IngressSpec).rules ?? []).flatMap((rule) =>
        (rule.http?.paths ?? []).map((path) => ({
          host: rule.host ?? '*',
          match: path.pathType === 'Exact' ? ('exact' as const) : ('prefix' as const),
          path: path.path ?? '/',
          service: path.backend?.service?.name ?? '',
          port: path.backend?.service?.port?.number ?? 0,
        })),
      ),
    )
    .sort(byKey);
}

/** One route per host × match × backend; a rule without matches matches every path (`/`). */
export function httpRouteRoutes(objects: K8sObject[]): Route[] {
  return objects
    .filter((object) => object.kind === 'HTTPRoute')
    .flatMap((route) => {
      const spec = route.spec as HTTPRouteSpec;
      const hosts = spec.hostnames?.length ? spec.hostnames : ['*'];
      return (spec.rules ?? []).flatMap((rule) => {
        const matches = rule.matches?.length ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
        return hosts.flatMap((host) =>
          matches.flatMap((match) =>
            (rule.backendRefs ?? []).map((backend) => ({
              host,
              match: match.path?.type === 'Exact' ? ('exact' as const) : ('prefix' as const),
              path: match.path?.value ?? '/',
              // A backendRef is a Service unless it names another kind.
              service: (backend.kind ?? 'Service') === 'Service' && !backend.group ? backend.name : `${backend.kind}/${backend.name}`,
              port: backend.port ?? 0,
            })),
          ),
        );
      });
    })
    .sort(byKey);
}
