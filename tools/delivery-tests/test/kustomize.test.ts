import { existsSync, readFileSync } from 'node:fs';
import { assertKubectl, type K8sObject, KUBECTL_INSTALL, readYamlDocuments, render, repoPath } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { environmentCombinations, kustomizations, renderCombination } from '../src/kustomizations.ts';

const { bases, components, overlays, environments, others } = kustomizations();
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

describe('kustomize', () => {
  it.skipIf(!kubectl.path)(`has kubectl to render with (without it, every test that renders is skipped by name)${kubectl.skipNote}`, () => {
    expect(() => assertKubectl()).not.toThrow();
  });

  it('finds a base per service, the shared bases, components and both environments', () => {
    expect(bases).toEqual(
      expect.arrayContaining(['k8s/base/user', 'k8s/base/cart', 'k8s/base/payment', 'k8s/base/ingress', 'k8s/base/namespace']),
    );
    expect(environments).toEqual(['k8s/overlays/dev', 'k8s/overlays/prod']);
    for (const environment of environments) {
      for (const part of ['platform', 'user', 'cart', 'payment']) expect(overlays).toContain(`${environment}/${part}`);
    }
    expect(components.length).toBeGreaterThan(0);
  });

  it.skipIf(!kubectl.path).each([...bases, ...overlays, ...others])(`renders %s${kubectl.skipNote}`, (dir) => {
    expect(render(dir).length).toBeGreaterThan(0);
  });

  it.skipIf(!kubectl.path).each(environmentCombinations().map((combination) => [combination.name, combination]))(
    `renders %s${kubectl.skipNote}`,
    (_name, combination) => {
      const objects = renderCombination(combination);
      expect(objects.some((object) => object.kind === 'Deployment')).toBe(true);
    },
  );

  it.each(components)('%s is a Component with a README', (dir) => {
    const kustomization = readYamlDocuments(repoPath(dir, 'kustomization.yaml'))[0] as { kind?: string };
    expect(kustomization.kind).toBe('Component');
    expect(existsSync(repoPath(dir, 'README.md'))).toBe(true);
  });

  it('keeps one copy of each manifest: no object is defined in two files', () => {
    const definitions = new Map<string, string[]>();
    const walk = (dir: string) => {
      const kustomization = (readYamlDocuments(repoPath(dir, 'kustomization.yaml'))[0] ?? {}) as { resources?: string[] };
      for (const resource of kustomization.resources ?? []) {
        const path = `${dir}/${resource}`;
        if (!resource.endsWith('.yaml')) continue;
        for (const object of readYamlDocuments(repoPath(path)) as K8sObject[]) {
          const key = `${object.kind}/${object.metadata.name}`;
          definitions.set(key, [...(definitions.get(key) ?? []), path]);
        }
      }
    };
    [...bases, ...components, ...overlays].forEach(walk);
    const duplicated = [...definitions].filter(([, files]) => new Set(files).size > 1);
    expect(duplicated).toEqual([]);
  });

  it.skipIf(!kubectl.path)(`deploys the very Ingress file that the local gateway of \`npm start\` routes by${kubectl.skipNote}`, () => {
    const gatewaySource = readFileSync(repoPath('tools/devstack/src/stack.ts'), 'utf8');
    expect(gatewaySource).toContain("'k8s/base/ingress/ingress.yaml'");
    const file = parseAllDocuments(readFileSync(repoPath('k8s/base/ingress/ingress.yaml'), 'utf8')).map(
      (document) => document.toJS() as K8sObject,
    );
    const rules = (object: K8sObject | undefined) => (object?.spec as { rules?: unknown } | undefined)?.rules;
    for (const environment of environments) {
      const deployed = render(environment).find((object) => object.kind === 'Ingress');
      expect(rules(deployed), environment).toEqual(rules(file.find((object) => object.kind === 'Ingress')));
    }
  });
});
