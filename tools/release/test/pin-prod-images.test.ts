import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseDocument } from 'yaml';
import { parsePin, pinProdImage, pinProdImages } from '../src/pin-prod-images.ts';
import { KUBECTL_INSTALL, render } from '../src/kustomize.ts';
import { repoPath } from '../src/repo.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

/** A throw-away copy of k8s/, whose prod database address is `cidr`. */
function k8sWithDatabaseAt(cidr: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'myshop-k8s-'));
  onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(repoPath('k8s'), join(copy, 'k8s'), { recursive: true });
  const file = join(copy, 'k8s/overlays/prod/platform/database-egress.patch.yaml');
  const patch = parseDocument(readFileSync(file, 'utf8'));
  patch.setIn(['spec', 'egress', 0, 'to', 0, 'ipBlock', 'cidr'], cidr);
  writeFileSync(file, patch.toString());
  return join(copy, 'k8s/overlays/prod');
}

describe("pin-prod-images (the release workflow's step)", () => {
  it.skipIf(!kubectl.path)(
    `pins a prod overlay to a version and digest, keeping its comments, and the overlay deploys it${kubectl.skipNote}`,
    () => {
      const copy = mkdtempSync(join(tmpdir(), 'myshop-k8s-'));
      onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
      cpSync(repoPath('k8s'), join(copy, 'k8s'), { recursive: true });
      pinProdImage(parsePin(`user=ghcr.io/myshop/user:1.4.0@${DIGEST}`), join(copy, 'k8s/overlays/prod'));
      const text = readFileSync(join(copy, 'k8s/overlays/prod/user/kustomization.yaml'), 'utf8');
      expect(text).toContain('# user in production');
      const deployment = render(join(copy, 'k8s/overlays/prod/user')).find((object) => object.kind === 'Deployment')!;
      const image = (deployment.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!
        .image;
      expect(image).toBe(`ghcr.io/myshop/user:1.4.0@${DIGEST}`);
    },
  );

  it.skipIf(!kubectl.path)(`pins nothing while prod sends its database traffic to the documentation placeholder${kubectl.skipNote}`, () => {
    const prod = k8sWithDatabaseAt('192.0.2.10/32');
    const before = readFileSync(join(prod, 'user/kustomization.yaml'), 'utf8');
    expect(() => pinProdImages([parsePin(`user=ghcr.io/myshop/user:1.4.0@${DIGEST}`)], prod)).toThrow(
      'k8s/overlays/prod is not ready for production, no image pinned (k8s/README.md, "The database"):\n' +
        '  - NetworkPolicy/services-to-database egress rule 1: 192.0.2.10/32 is a documentation address (RFC 5737), a placeholder still to be replaced by the real one',
    );
    expect(readFileSync(join(prod, 'user/kustomization.yaml'), 'utf8')).toBe(before);
  });

  it.skipIf(!kubectl.path)(`pins every image once the managed database's address is set${kubectl.skipNote}`, () => {
    const prod = k8sWithDatabaseAt('10.20.30.40/32');
    pinProdImages(
      ['user', 'cart'].map((service) => parsePin(`${service}=ghcr.io/myshop/${service}:1.4.0@${DIGEST}`)),
      prod,
    );
    for (const service of ['user', 'cart'])
      expect(readFileSync(join(prod, `${service}/kustomization.yaml`), 'utf8')).toContain(`digest: ${DIGEST}`);
  });

  it('refuses to rename an image: a pin moves the tag and digest of the one name', () => {
    expect(() => pinProdImage(parsePin(`user=ghcr.io/elsewhere/user:1.4.0@${DIGEST}`), repoPath('k8s/overlays/prod'))).toThrow(
      'user is ghcr.io/myshop/user, not ghcr.io/elsewhere/user',
    );
  });

  it('refuses anything but <service>=<image>:<tag>@<digest>', () => {
    expect(() => parsePin('user=ghcr.io/myshop/user:1.4.0')).toThrow('not <service>=');
    expect(() => parsePin(`user=ghcr.io/myshop/user@${DIGEST}`)).toThrow('not <service>=');
    expect(parsePin(`cart=ghcr.io/myshop/cart:1.4.0@${DIGEST}`)).toEqual({
      service: 'cart',
      name: 'ghcr.io/myshop/cart',
      tag: '1.4.0',
      digest: DIGEST,
    });
  });
});
