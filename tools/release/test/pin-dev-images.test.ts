import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseCommit, pinDevImages } from '../src/pin-dev-images.ts';
import { KUBECTL_INSTALL, render, type K8sObject } from '../src/kustomize.ts';
import { repoPath, services } from '../src/repo.ts';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

function copyOfK8s(): string {
  const copy = mkdtempSync(join(tmpdir(), 'myshop-k8s-'));
  onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(repoPath('k8s'), join(copy, 'k8s'), { recursive: true });
  return join(copy, 'k8s/overlays/dev');
}

type Deployment = K8sObject & { spec: { template: { spec: { containers: Array<{ image: string }> } } } };

/** The images of the overlay's own Deployments (the services), as a cluster would pull them. */
const imagesOf = (dir: string) =>
  (render(dir).filter((object) => object.kind === 'Deployment') as Deployment[])
    .flatMap((deployment) => deployment.spec.template.spec.containers.map((container) => container.image))
    .filter((image) => image.startsWith('ghcr.io/'));

describe("pin-dev-images (CI's step on main)", () => {
  it.skipIf(!kubectl.path)(
    `makes the whole dev overlay deploy the images of one commit, keeping the files' comments${kubectl.skipNote}`,
    () => {
      const dev = copyOfK8s();
      const files = pinDevImages(COMMIT, dev);
      expect(files).toHaveLength(services().length);
      expect(imagesOf(dev).sort()).toEqual(services().map((service) => `ghcr.io/myshop/${service}:${COMMIT}`));
      expect(readFileSync(join(dev, 'user/kustomization.yaml'), 'utf8')).toMatch(/^# user on a development cluster/);
      // The rest of the overlay is untouched: only the image lines differ.
      const withoutImages = (dir: string) =>
        JSON.stringify(render(dir).map((object) => JSON.stringify(object).replaceAll(/"image":"[^"]*"/g, '')));
      expect(withoutImages(dev)).toBe(withoutImages(repoPath('k8s/overlays/dev')));
    },
  );

  it.skipIf(!kubectl.path)(`drops a digest left from a hand-made pin, so the tag is what runs${kubectl.skipNote}`, () => {
    const dev = copyOfK8s();
    const file = join(dev, 'cart/kustomization.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('newTag: ', `digest: sha256:${'ab'.repeat(32)}\n    newTag: `));
    expect(readFileSync(file, 'utf8')).toContain('digest: sha256:');
    pinDevImages(COMMIT, dev);
    expect(readFileSync(file, 'utf8')).not.toContain('digest:');
    expect(imagesOf(join(dev, 'cart'))).toEqual([`ghcr.io/myshop/cart:${COMMIT}`]);
  });

  it('takes only a full commit id, as CI tags the images, and names a service it cannot pin', () => {
    expect(parseCommit(COMMIT)).toBe(COMMIT);
    expect(() => parseCommit('0123456')).toThrow('not a full commit id');
    expect(() => parseCommit(COMMIT.toUpperCase())).toThrow('not a full commit id');
    expect(() => parseCommit(undefined)).toThrow('(none)');
    expect(() => pinDevImages('main', repoPath('k8s/overlays/dev'))).toThrow('not a full commit id');
    const dev = copyOfK8s();
    const file = join(dev, 'payment/kustomization.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: ghcr.io/myshop/payment', 'name: ghcr.io/someone/payment'));
    expect(() => pinDevImages(COMMIT, dev, ['payment'])).toThrow('has no images entry for ghcr.io/myshop/payment');
  });
});
