import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { serverName } from './host-name.ts';

export interface IngressRoute {
  host: string;
  path: string;
  pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  /** Kubernetes Service name, e.g. `cart-service`. */
  service: string;
  port: number;
}

interface IngressPath {
  path?: string;
  pathType?: IngressRoute['pathType'];
  backend?: { service?: { name?: string; port?: { number?: number } } };
}

interface IngressDocument {
  kind?: string;
  spec?: { rules?: Array<{ host?: string; http?: { paths?: IngressPath[] } }> };
}

/** The routes of every Ingress in a manifest file: the same file kustomize deploys. */
export function readIngressRoutes(manifestPath: string): IngressRoute[] {
  const documents = parseAllDocuments(readFileSync(manifestPath, 'utf8')).map((document) => document.toJS() as IngressDocument);
  return documents
    .filter((document) => document?.kind === 'Ingress')
    .flatMap((ingress) =>
      (ingress.spec?.rules ?? []).flatMap((rule) =>
        (rule.http?.paths ?? []).map((path) => ({
          host: rule.host ?? '*',
          path: path.path ?? '/',
          pathType: path.pathType ?? 'Prefix',
          service: path.backend?.service?.name ?? '',
          port: path.backend?.service?.port?.number ?? 80,
        })),
      ),
    );
}

/**
 * Picks the route for a request as the Ingress spec says: the host must match, `Exact` wins over
 * `Prefix`, the longest prefix wins, and a prefix matches whole path elements only
 * (`/cart` matches `/cart` and `/cart/items`, not `/carts`).
 */
export function matchRoute(routes: IngressRoute[], host: string | undefined, url: string): IngressRoute | undefined {
  // As nginx reads Host: without its port or the trailing dot of a fully qualified name (host-name.ts).
  const hostname = serverName(host ?? '');
  const path = locationPath(pathOf(url));
  if (path === undefined) return undefined;
  const candidates = routes.filter((route) => route.host === '*' || route.host === hostname);
  const exact = candidates.find((route) => route.pathType === 'Exact' && route.path === path);
  if (exact) return exact;
  return candidates
    .filter((route) => route.pathType !== 'Exact' && prefixMatches(route.path, path))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

/**
 * Why nothing matched, for the gateway's 404: the Ingress routes by host, so a request sent to
 * `localhost` for a path the Ingress does serve is told which host to send instead. `source`
 * names what the routes were read from (`HTTPRoute` with `--routes gateway-api`).
 */
export function noRouteMessage(routes: IngressRoute[], host: string | undefined, url: string, source = 'Ingress'): string {
  const path = pathOf(url);
  const message = `No ${source} rule for host ${host ?? '(none)'} and path ${path}`;
  const servedFor = [
    ...new Set(routes.filter((route) => route.host !== '*' && matchRoute([route], route.host, url)).map((route) => route.host)),
  ];
  if (servedFor.length === 0) return message;
  const port = /:(\d+)$/.exec(host ?? '')?.[1];
  const origin = `${servedFor[0]}${port ? `:${port}` : ''}`;
  const resolve = port ? `--resolve ${origin}:127.0.0.1 ` : '';
  return `${message}; the ${source} serves it for host ${servedFor.join(', ')} (curl ${resolve}http://${origin}${path})`;
}

/**
 * The request-target's path: up to its query, or up to a `#`, which a client should never send
 * (a fragment stays in the browser) and nginx and the services' router both take as the path's
 * end. Routed by what follows the `#`, `/readyz#/../cart` would reach cart's `/readyz`, which no
 * Ingress serves. An encoded `%23` is a character of the path, for nginx as here.
 */
function pathOf(url: string): string {
  return url.split(/[?#]/)[0] ?? '/';
}

/**
 * The path nginx picks a location by (merge_slashes on): %-escapes decoded byte by byte, runs of
 * slashes merged, `.` and `..` segments resolved. A `..` above the root matches nothing (nginx
 * refuses it with 400). The request still goes on with its path as the client sent it.
 */
function locationPath(rawPath: string): string | undefined {
  const decoded = rawPath.replace(/%([0-9a-f]{2})/gi, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const segments: string[] = [];
  const parts = decoded.split(/\/+/).slice(1);
  for (const [index, segment] of parts.entries()) {
    if (segment === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
    }
    if (segment !== '.' && segment !== '..') segments.push(segment);
    // A path ending in `.` or `..` names a directory, as one ending in a slash does.
    else if (index === parts.length - 1) segments.push('');
  }
  return `/${segments.join('/')}`;
}

function prefixMatches(prefix: string, path: string): boolean {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' || path === trimmed || path.startsWith(`${trimmed}/`);
}
