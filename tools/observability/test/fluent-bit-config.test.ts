/** Fluent Bit's configuration, read as Fluent Bit reads it: the data stream its records go to. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/observability-files.ts';

const config = readFileSync(join(repoRoot, 'k8s/cluster-monitoring/fluent-bit/fluent-bit.conf'), 'utf8');

/** Each `[SECTION]` with its `Key value` lines, comments left out. */
function sections(): Array<{ name: string; entries: Array<[string, string]> }> {
  const found: Array<{ name: string; entries: Array<[string, string]> }> = [];
  for (const line of config.split('\n').map((text) => text.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) found.push({ name: section[1]!, entries: [] });
    else found.at(-1)?.entries.push(line.split(/\s+(.*)/s).slice(0, 2) as [string, string]);
  }
  return found;
}

describe('Fluent Bit', () => {
  it('writes to the data stream that its records name, with event.dataset the same as data_stream.dataset', () => {
    const modify = sections().find(
      (section) => section.name === 'FILTER' && section.entries.some(([key, value]) => key === 'Name' && value === 'modify'),
    )!;
    const field = (operation: string, name: string) =>
      modify.entries.find(([key, value]) => key === operation && value.split(/\s+/)[0] === name)?.[1].split(/\s+/)[1];
    const dataset = field('Add', 'data_stream.dataset');
    expect(dataset).toBe('myshop');
    expect(field('Set', 'event.dataset')).toBe(dataset);
    const output = sections().find((section) => section.name === 'OUTPUT')!;
    const index = output.entries.find(([key]) => key === 'Index')?.[1];
    expect(index).toBe(`logs-${dataset}-${field('Add', 'data_stream.namespace')}`);
  });
});

describe('a line that is no JSON', () => {
  // The services' ECS lines carry `log.level`, so `log` is an object in the data stream's mapping.
  // The other containers of the shop's namespaces (the Collector, PostgreSQL) and a crashing
  // Node process write plain text, which the kubernetes filter cannot merge and leaves under
  // `log`, a string: Elasticsearch refuses such a document (`object mapping for [log] tried to
  // parse field [log] as object, but found a concrete value`), and the es output retries its
  // whole chunk until Retry_Limit drops it (MyshopLogsDropped, for good).
  it('reaches Elasticsearch as ECS `message`, never as a concrete `log`', () => {
    const all = sections();
    const kubernetesAt = all.findIndex((section) => section.entries.some(([key, value]) => key === 'Name' && value === 'kubernetes'));
    const kubernetes = all[kubernetesAt]!;
    // A merged JSON line keeps no `log` of its own: only a line that was no JSON still has one.
    expect(kubernetes.entries).toContainEqual(['Merge_Log', 'On']);
    expect(kubernetes.entries).toContainEqual(['Keep_Log', 'Off']);
    const renamesLog = all.findIndex(
      (section, index) =>
        index > kubernetesAt &&
        section.name === 'FILTER' &&
        section.entries.some(([key, value]) => key === 'Name' && value === 'modify') &&
        section.entries.some(([key, value]) => key === 'Rename' && value.split(/\s+/).join(' ') === 'log message'),
    );
    expect(renamesLog).toBeGreaterThan(kubernetesAt);
  });
});
