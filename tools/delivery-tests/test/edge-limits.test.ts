/**
 * The edge and the services agree on the largest body: the Ingress refuses (413) what the
 * services would refuse, so nginx never forwards a body a service will not read.
 */
import { KUBECTL_INSTALL, render } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { bodyLimitsBehind } from '../src/body-limits.ts';
import { ingressBackends, nginxSizeBytes, PROXY_BODY_SIZE } from '../src/ingress.ts';
import { kustomizations } from '../src/kustomizations.ts';

const { environments } = kustomizations();
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

describe('nginxSizeBytes', () => {
  it('reads nginx sizes in bytes, kilobytes, megabytes and gigabytes, in either case', () => {
    expect(nginxSizeBytes('65536')).toBe(65_536);
    expect(nginxSizeBytes('64k')).toBe(65_536);
    expect(nginxSizeBytes('64K')).toBe(65_536);
    expect(nginxSizeBytes('1m')).toBe(1_048_576);
    expect(nginxSizeBytes('2g')).toBe(2 * 1024 ** 3);
  });

  it('refuses what nginx would refuse', () => {
    expect(nginxSizeBytes('64kb')).toBeUndefined();
    expect(nginxSizeBytes('1.5m')).toBeUndefined();
    expect(nginxSizeBytes('')).toBeUndefined();
  });
});

describe.skipIf(!kubectl.path).each(environments)(`%s: the Ingress body limit${kubectl.skipNote}`, (environment) => {
  it('is the BODY_LIMIT_BYTES of every service it routes to (proxy-body-size annotation)', async () => {
    const objects = render(environment);
    const backends = ingressBackends(objects);
    expect(backends.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const { ingress, path, service } of backends) {
      const annotation = ingress.metadata.annotations?.[PROXY_BODY_SIZE];
      const edgeLimit = annotation === undefined ? undefined : nginxSizeBytes(annotation);
      const pods = await bodyLimitsBehind(objects, service);
      if (pods.length === 0) problems.push(`${path} → ${service}: no pods`);
      for (const { workload, limit } of pods) {
        if (edgeLimit !== limit) {
          problems.push(
            `${path} → ${workload}: Ingress ${ingress.metadata.name} ${PROXY_BODY_SIZE}=${annotation ?? '(unset: 1m)'}, BODY_LIMIT_BYTES=${limit}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
