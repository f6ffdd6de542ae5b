import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parsePin, pinProdImage } from '../src/pin-prod-images.ts';
import { render } from '../src/kustomize.ts';
import { repoPath } from '../src/repo.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('pin-prod-images (the release workflow\'s step)', () => {
  it('pins a prod overlay to a version and digest, keeping its comments, and the overlay deploys it', () => {
    const copy = mkdtempSync(join(tmpdir(), 'myshop-k8s-'));
    onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(repoPath('k8s'), join(copy, 'k8s'), { recursive: true });
    pinProdImage(parsePin(`user=ghcr.io/myshop/user:1.4.0@${DIGEST}`), join(copy, 'k8s/overlays/prod'));
    const text = readFileSync(join(copy, 'k8s/overlays/prod/user/kustomization.yaml'), 'utf8');
    expect(text).toContain('# user in production');
    const deployment = render(join(copy, 'k8s/overlays/prod/user')).find((object) => object.kind === 'Deployment')!;
    const image = (deployment.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image;
    expect(image).toBe(`ghcr.io/myshop/user:1.4.0@${DIGEST}`);
  });

  it('refuses anything but <service>=<image>:<tag>@<digest>', () => {
    expect(() => parsePin('user=ghcr.io/myshop/user:1.4.0')).toThrow('not <service>=');
    expect(() => parsePin(`user=ghcr.io/myshop/user@${DIGEST}`)).toThrow('not <service>=');
    expect(parsePin(`cart=ghcr.io/myshop/cart:1.4.0@${DIGEST}`)).toEqual({ service: 'cart', name: 'ghcr.io/myshop/cart', tag: '1.4.0', digest: DIGEST });
  });
});
