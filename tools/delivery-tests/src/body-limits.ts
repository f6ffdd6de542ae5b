/**
 * The largest request body the pods behind a Service accept (their BODY_LIMIT_BYTES as rendered,
 * or the config schema's default), and the edge's limits in the units each edge writes them in:
 * what the edge tests hold equal, so an edge never forwards a body a service will not read.
 */
import type { K8sObject } from '@myshop/release';
import { containerEnvironment, serviceConfig } from './service-config.ts';
import { byKind, selects, workloads } from './workloads.ts';

export interface PodBodyLimit {
  /** The Deployment (or other workload) whose pods the Service selects. */
  workload: string;
  /** Its container's BODY_LIMIT_BYTES. */
  limit: number;
}

/** BODY_LIMIT_BYTES of every workload the Service `service` selects (none: no pods behind it). */
export async function bodyLimitsBehind(objects: K8sObject[], service: string): Promise<PodBodyLimit[]> {
  const selector = (
    byKind(objects, 'Service').find((object) => object.metadata.name === service)?.spec as { selector?: Record<string, string> } | undefined
  )?.selector;
  if (!selector) return [];
  const limits: PodBodyLimit[] = [];
  for (const workload of workloads(objects).filter(({ podLabels }) => selects({ matchLabels: selector }, podLabels))) {
    const name = workload.object.metadata.name;
    const config = await serviceConfig(name);
    const { env } = containerEnvironment(objects, workload, name);
    limits.push({ workload: name, limit: Number(env.BODY_LIMIT_BYTES ?? config.schema.properties.BODY_LIMIT_BYTES?.default) });
  }
  return limits;
}

/**
 * A Kubernetes quantity of bytes (`65536`, `64Ki`, `1Mi`, `64k`, `1M`) as Envoy Gateway's
 * `requestBuffer.limit` takes it; undefined when it is not a whole number of bytes.
 */
export function quantityBytes(quantity: string | number | undefined): number | undefined {
  if (typeof quantity === 'number') return Number.isInteger(quantity) && quantity > 0 ? quantity : undefined;
  const match = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity?.trim() ?? '');
  if (!match) return undefined;
  const unit = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1000, M: 1000 ** 2, G: 1000 ** 3 }[match[2] ?? ''];
  return Number(match[1]) * unit!;
}
