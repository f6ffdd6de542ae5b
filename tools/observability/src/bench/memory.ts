import { readFileSync } from 'node:fs';
import { request } from 'undici';
import type { ServiceMemory } from './results.ts';
import { podEnvText } from './pod-conditions.ts';
import type { RunningService } from './services.ts';

const MB = 1_048_576;

/** A service's memory now: RSS from /proc, V8's heap from its own metrics, and the conditions it ran in. */
export async function serviceMemory(service: RunningService): Promise<ServiceMemory> {
  const text = await (await request(service.process.metricsUrl)).body.text();
  const value = (name: string) => Math.round(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / MB);
  const envText = podEnvText(service.pod);
  const { placement } = service;
  // RSS counts mapped files too (node's own binary, shared with every process that maps it): the
  // anonymous part is what the process itself allocated.
  const status = readFileSync(`/proc/${service.process.pid}/status`, 'utf8');
  const kb = (field: string) => Math.round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024);
  const split = `RSS ${kb('RssAnon')} MiB anonymous + ${kb('RssFile') + kb('RssShmem')} MiB files`;
  let conditions: string;
  if ('cgroup' in placement) {
    const { maxUsageBytes, failcnt } = placement.cgroup.peak();
    conditions = `memory cgroup limited to ${Math.round(placement.cgroup.limitBytes / MB)} MiB as in ${service.pod.source}/deployment.yaml, ${envText}; cgroup peak ${Math.round(maxUsageBytes / MB)} MiB, limit hit ${failcnt} times; ${split}`;
  } else {
    conditions = `plain RSS on the host, no memory cgroup (${placement.unavailable}); ${envText}; ${split}`;
  }
  return {
    rssMb: Math.round(service.process.rss() / MB),
    heapUsedMb: value('nodejs_heap_size_used_bytes'),
    heapTotalMb: value('nodejs_heap_size_total_bytes'),
    podConditions: 'cgroup' in placement,
    conditions,
  };
}
