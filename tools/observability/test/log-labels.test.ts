import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { KUBECTL_INSTALL } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/observability-files.ts';
import { render } from './rendered-overlay.ts';

// Fluent Bit runs its Lua filters on LuaJIT; a fresh machine may lack it (CI installs it).
const luajit = requiredTool('luajit', 'apt-get install -y luajit');
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);
const fluentBitDir = join(repoRoot, 'k8s/cluster-monitoring/fluent-bit');
const script = join(fluentBitDir, 'dedot-labels.lua');

/**
 * Runs the filter as Fluent Bit calls it, on a record the kubernetes filter made: prints the
 * return code, then each label and the fields around them, sorted, one `name=value` a line.
 */
function filtered(record: string): string[] {
  const lua = `
    dofile(${JSON.stringify(script)})
    local code, timestamp, record = dedot_labels("kube.var.log.containers.cart", 42, ${record})
    local lines = { "code=" .. code, "timestamp=" .. timestamp }
    local labels = record.kubernetes and record.kubernetes.labels or {}
    for name, value in pairs(labels) do table.insert(lines, "label " .. name .. "=" .. value) end
    for name, value in pairs(record) do if type(value) == "string" then table.insert(lines, name .. "=" .. value) end end
    table.sort(lines)
    print(table.concat(lines, "\\n"))`;
  return execFileSync(luajit.path!, ['-e', lua], { encoding: 'utf8' }).trim().split('\n');
}

describe("Fluent Bit's label filter (dedot-labels.lua)", () => {
  it.skipIf(!luajit.path)(
    `turns the dots of label names into underscores, so app and app.kubernetes.io/name can both be indexed${luajit.skipNote}`,
    () => {
      const record = `{ ["log.level"] = "info", message = "request completed", kubernetes = { pod_name = "cart-1", labels = {
        app = "cart", ["app.kubernetes.io/name"] = "cart", ["app.kubernetes.io/part-of"] = "myshop" } } }`;
      expect(filtered(record)).toEqual([
        'code=2',
        'label app=cart',
        'label app_kubernetes_io/name=cart',
        'label app_kubernetes_io/part-of=myshop',
        'log.level=info',
        'message=request completed',
        'timestamp=42',
      ]);
    },
  );

  it.skipIf(!luajit.path)(`leaves a record without labels as it came${luajit.skipNote}`, () => {
    expect(filtered('{ message = "no pod", kubernetes = { pod_name = "cart-1" } }')).toEqual(['code=0', 'message=no pod', 'timestamp=42']);
    expect(filtered('{ message = "no kubernetes" }')).toEqual(['code=0', 'message=no kubernetes', 'timestamp=42']);
  });

  it.skipIf(!kubectl.path)(`is called after the kubernetes filter, from the path the DaemonSet mounts it at${kubectl.skipNote}`, () => {
    const objects = render(fluentBitDir);
    const config = objects.find((object) => object.kind === 'ConfigMap')!.data!;
    const conf = config['fluent-bit.conf']!;
    const path = /Name\s+lua[\s\S]*?script\s+(\S+)\s+call\s+dedot_labels/.exec(conf)?.[1];
    expect(path).toBe('/fluent-bit/etc/dedot-labels.lua');
    expect(conf.indexOf('Name    lua')).toBeGreaterThan(conf.indexOf('Name                kubernetes'));
    expect(config['dedot-labels.lua']).toContain('function dedot_labels(');
    const daemonSet = objects.find((object) => object.kind === 'DaemonSet')!;
    const mounts = (
      daemonSet.spec as { template: { spec: { containers: Array<{ volumeMounts: Array<{ mountPath: string; subPath?: string }> }> } } }
    ).template.spec.containers[0]!.volumeMounts;
    expect(mounts).toContainEqual({ name: 'config', mountPath: path, subPath: 'dedot-labels.lua' });
  });
});
