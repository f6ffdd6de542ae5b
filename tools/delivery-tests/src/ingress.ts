import type { K8sObject } from '@myshop/release';

/** The ingress-nginx annotation that becomes nginx's `client_max_body_size` (default `1m`). */
export const PROXY_BODY_SIZE = 'nginx.ingress.kubernetes.io/proxy-body-size';

/** An nginx size (`65536`, `64k`, `1m`, `1g`, any case) in bytes; undefined when it is not one. */
export function nginxSizeBytes(size: string): number | undefined {
  const match = /^(\d+)([kmg]?)$/i.exec(size.trim());
  if (!match) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}

export interface IngressBackend {
  ingress: K8sObject;
  host: string;
  path: string;
  /** The Service the path sends to. */
  service: string;
}

/** Every host/path → Service of the Ingress objects among `objects`. */
export function ingressBackends(objects: K8sObject[]): IngressBackend[] {
  return objects
    .filter((object) => object.kind === 'Ingress')
    .flatMap((ingress) => {
      const rules =
        (
          ingress.spec as {
            rules?: Array<{ host?: string; http?: { paths?: Array<{ path?: string; backend?: { service?: { name?: string } } }> } }>;
          }
        ).rules ?? [];
      return rules.flatMap((rule) =>
        (rule.http?.paths ?? []).map((path) => ({
          ingress,
          host: rule.host ?? '*',
          path: path.path ?? '/',
          service: path.backend?.service?.name ?? '',
        })),
      );
    });
}
