import { type K8sObject, KUBECTL_INSTALL, render } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { environmentCombinations, kustomizations, renderCombination } from '../src/kustomizations.ts';
import { hasFieldList, schemaProblems, unknownFields } from '../src/validate.ts';

const { bases, overlays, others } = kustomizations();
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

async function problems(objects: K8sObject[]): Promise<string[]> {
  const found: string[] = [];
  for (const object of objects) {
    found.push(...(await schemaProblems(object)));
    if (hasFieldList(object)) found.push(...unknownFields(object).map((path) => `${path}: unknown field`));
  }
  return found;
}

describe.skipIf(!kubectl.path)(`Kubernetes schemas${kubectl.skipNote}`, () => {
  it.each([...bases, ...overlays, ...others])('%s: every object is valid for its kind, with no unknown field', async (dir) => {
    expect(await problems(render(dir))).toEqual([]);
  });

  it.each(
    environmentCombinations()
      .filter((combination) => combination.components.length > 0)
      .map((combination) => [combination.name, combination]),
  )('%s: every object is valid, with no unknown field', async (_name, combination) => {
    expect(await problems(renderCombination(combination))).toEqual([]);
  });

  it('knows the fields of every built-in kind the manifests use (custom resources: their CRD schema only)', () => {
    const builtIn = (apiVersion: string) => {
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
      return group === '' || group.endsWith('.k8s.io') || !group.includes('.');
    };
    const kinds = new Set(
      [...bases, ...overlays, ...others].flatMap((dir) => render(dir)).map(({ apiVersion, kind }) => `${apiVersion} ${kind}`),
    );
    const unchecked = [...kinds].filter((entry) => {
      const [apiVersion, kind] = entry.split(' ') as [string, string];
      return builtIn(apiVersion) && !hasFieldList({ apiVersion, kind });
    });
    expect(unchecked).toEqual([]);
  });

  it('catches what a schema check alone would let through', async () => {
    const deployment = structuredClone(render('k8s/base/user').find((object) => object.kind === 'Deployment')!) as K8sObject & {
      spec: { replicas: unknown; template: { spec: { containers: Array<{ securityContext: Record<string, unknown> }> } } };
    };
    deployment.spec.replicas = 'three';
    deployment.spec.template.spec.containers[0]!.securityContext.readOnlyRootFileSystem = true;
    expect(await schemaProblems(deployment)).toEqual([expect.stringContaining('/spec/replicas must be integer')]);
    expect(unknownFields(deployment)).toEqual(['Deployment/user.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem']);
  });
});
