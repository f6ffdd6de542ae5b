import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type K8sObject, KUBECTL_INSTALL, render, repoPath } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { kustomizations } from '../src/kustomizations.ts';
import { byKind } from '../src/workloads.ts';

interface Application {
  spec: {
    project: string;
    source: { repoURL: string; path: string; targetRevision: string; kustomize?: { patches?: unknown[] } };
    destination: { server: string; namespace: string };
    syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean }; syncOptions?: string[] };
  };
}

const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

// Without kubectl, no Application to name a test after: the tests below are skipped.
const objects = kubectl.path ? render('k8s/argocd') : [];
const applications = byKind<K8sObject & Application>(objects, 'Application');
const project = byKind<K8sObject & { spec: { sourceRepos: string[]; destinations: Array<{ namespace: string; server: string }> } }>(
  objects,
  'AppProject',
)[0]!;

interface Ingress {
  spec: { rules: Array<{ host: string; http: { paths: Array<{ path: string }> } }> };
}

/** What Argo CD deploys for an Application: its overlay, with the Application's own kustomize patches. */
function renderAsArgoCd(application: Application): K8sObject[] {
  const patches = application.spec.source.kustomize?.patches ?? [];
  const dir = mkdtempSync(join(tmpdir(), 'argocd-'));
  try {
    // JSON is YAML; kustomize takes a base by a relative path only.
    const kustomization = { resources: [relative(dir, repoPath(application.spec.source.path))], patches };
    writeFileSync(join(dir, 'kustomization.yaml'), JSON.stringify(kustomization));
    return render(dir, { cache: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!kubectl.path)(`Argo CD${kubectl.skipNote}`, () => {
  it("has one Application per environment, each pointing at that environment's overlay", () => {
    expect(applications.map((application) => application.spec.source.path).sort()).toEqual(kustomizations().environments);
  });

  it.each(applications.map((application) => [application.metadata.name, application] as const))(
    '%s deploys into the namespace its overlay makes, within the project',
    (_name, application) => {
      const namespace = render(application.spec.source.path).find((object) => object.kind === 'Namespace')!.metadata.name;
      expect(application.spec.destination.namespace).toBe(namespace);
      expect(application.spec.project).toBe(project.metadata.name);
      expect(project.spec.sourceRepos).toContain(application.spec.source.repoURL);
      expect(project.spec.destinations).toContainEqual({ server: application.spec.destination.server, namespace });
    },
  );

  it('dev follows main, where CI commits the tag of the images it pushed; prod main too, moved by release PRs', () => {
    const ci = readFileSync(repoPath('.github/workflows/ci.yaml'), 'utf8');
    const dev = applications.find((application) => application.spec.source.path === 'k8s/overlays/dev')!;
    expect(dev.spec.source.targetRevision).toBe('main');
    expect(ci).toContain('npm run pin-dev-images -- "$GITHUB_SHA"');
    expect(ci).toContain('git push origin HEAD:main');
    const prod = applications.find((application) => application.spec.source.path === 'k8s/overlays/prod')!;
    expect(prod.spec.source.targetRevision).toBe('main');
    expect(readFileSync(repoPath('.github/workflows/release.yaml'), 'utf8')).toContain('npm run pin-prod-images');
  });

  it('gives each Application on a cluster its own Ingress hosts and paths (dev: dev.myshop.com)', () => {
    const claimedBy = new Map<string, string>();
    for (const application of applications) {
      for (const ingress of byKind<K8sObject & Ingress>(renderAsArgoCd(application), 'Ingress')) {
        for (const rule of ingress.spec.rules) {
          for (const { path } of rule.http.paths) {
            const claim = `${application.spec.destination.server} ${rule.host}${path}`;
            expect(claimedBy.get(claim), `${claim} claimed twice`).toBeUndefined();
            claimedBy.set(claim, application.metadata.name);
          }
        }
      }
    }
    expect([...claimedBy].filter(([, name]) => name === 'myshop-dev').map(([claim]) => claim.split(' ')[1])).toEqual([
      'dev.myshop.com/cart',
      'dev.myshop.com/user',
      'dev.myshop.com/payment',
    ]);
    expect(claimedBy.size).toBe(6);
  });

  it('syncs dev automatically, pruning and healing drift; prod only when asked', () => {
    const bySuffix = (suffix: string) => applications.find((application) => application.spec.source.path.endsWith(suffix))!;
    expect(bySuffix('/dev').spec.syncPolicy?.automated).toEqual({ prune: true, selfHeal: true });
    expect(bySuffix('/prod').spec.syncPolicy?.automated).toBeUndefined();
  });

  it('keeps prod running when its Application is deleted: no finalizer that deletes what it deployed, the Namespace included', () => {
    // With resources-finalizer.argocd.argoproj.io, deleting myshop-prod (a rename, a move to an
    // ApplicationSet, `kubectl delete -k k8s/argocd`) deletes every object it synced: the
    // Namespace, and with it the Secrets made by hand, which are in no git.
    const prod = applications.find((application) => application.spec.source.path === 'k8s/overlays/prod')!;
    expect((prod.metadata as { finalizers?: string[] }).finalizers ?? []).not.toContainEqual(
      expect.stringMatching(/^resources-finalizer\.argocd\.argoproj\.io/),
    );
  });

  it('leaves the replica count to the HorizontalPodAutoscaler, in the diff and in a sync', () => {
    for (const application of applications) {
      const spec = application.spec as typeof application.spec & { ignoreDifferences?: Array<{ kind: string; jsonPointers?: string[] }> };
      expect(spec.ignoreDifferences).toContainEqual(expect.objectContaining({ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }));
      expect(spec.syncPolicy?.syncOptions).toContain('RespectIgnoreDifferences=true');
    }
  });
});
