/**
 * One image name per service, everywhere: what CI builds and pushes, what every overlay deploys,
 * what Skaffold builds (and so swaps in), what `npm run images` tags, what Argo CD's
 * Applications end up running. A name that differs anywhere deploys an image nobody pushed.
 */
import { readFileSync } from 'node:fs';
import { devImage, IMAGE_REPOSITORY, imageName, type K8sObject, KUBECTL_INSTALL, render, repoPath, services } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kustomizations } from '../src/kustomizations.ts';
import { skaffoldConfigs, withProfile } from '../src/skaffold.ts';
import { parseImage, workloads } from '../src/workloads.ts';

const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);
const workflow = (name: string) =>
  parse(readFileSync(repoPath('.github/workflows', name), 'utf8')) as {
    env?: Record<string, string>;
    jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
  };
const ours = (objects: K8sObject[]) =>
  workloads(objects)
    .flatMap(({ pod }) => pod.containers.map((container) => parseImage(container.image)))
    .filter((image) => services().some((service) => image.name.endsWith(`/${service}`) || image.name === service));

describe('image names', () => {
  it("are <registry>/<service>, the registry GitHub's, the organisation myshop", () => {
    expect(IMAGE_REPOSITORY).toBe('ghcr.io/myshop');
    expect(services().map(imageName)).toEqual(['ghcr.io/myshop/cart', 'ghcr.io/myshop/payment', 'ghcr.io/myshop/user']);
  });

  it('CI and the release push under that name, and log in to that registry', () => {
    for (const name of ['ci.yaml', 'release.yaml']) {
      const file = workflow(name);
      expect(file.env?.IMAGE_REPOSITORY, name).toBe(IMAGE_REPOSITORY);
      const logins = Object.values(file.jobs)
        .flatMap((job) => job.steps)
        .filter((step) => step.uses?.startsWith('docker/login-action'));
      expect(logins.length, name).toBeGreaterThan(0);
      for (const login of logins) expect(login.with?.registry, name).toBe(IMAGE_REPOSITORY.split('/')[0]);
    }
  });

  it.skipIf(!kubectl.path).each([...kustomizations().bases, ...kustomizations().overlays])(
    `%s deploys each service under its one name${kubectl.skipNote}`,
    (dir) => {
      for (const image of ours(render(dir))) {
        const service = services().find((candidate) => image.name.endsWith(`/${candidate}`) || image.name === candidate)!;
        expect(image.name, dir).toBe(imageName(service));
      }
    },
  );

  it('Skaffold builds that name in every profile, so it swaps its build into what the overlays deploy', () => {
    for (const config of skaffoldConfigs()) {
      for (const profile of [undefined, ...(config.profiles ?? []).map((entry) => entry.name)]) {
        const effective = config.profiles ? withProfile(config, profile) : config;
        for (const artifact of effective.build?.artifacts ?? [])
          expect(artifact.image, `${config.metadata?.name} ${profile}`).toBe(imageName(config.metadata!.name!));
      }
    }
  });

  it('`npm run images` tags that name', () => {
    for (const service of services()) expect(parseImage(devImage(service))).toMatchObject({ name: imageName(service), tag: 'dev' });
  });

  it.skipIf(!kubectl.path)(
    `Argo CD's Applications run exactly the images their overlays pin: dev a commit of main, prod a version (with its digest once a release pins one)${kubectl.skipNote}`,
    () => {
      const applications = render('k8s/argocd').filter((object) => object.kind === 'Application') as Array<
        K8sObject & { spec: { source: { path: string } } }
      >;
      const images = (suffix: string) =>
        ours(render(applications.find((application) => application.spec.source.path.endsWith(suffix))!.spec.source.path));
      const dev = images('/dev');
      expect(dev.map((image) => image.name).sort()).toEqual(services().map(imageName));
      // One commit for the three: CI pins them together (`dev` until its first run on main).
      expect(new Set(dev.map((image) => image.tag)).size).toBe(1);
      expect(dev[0]!.tag).toMatch(/^([0-9a-f]{40}|dev)$/);
      const prod = images('/prod');
      expect(prod.map((image) => image.name).sort()).toEqual(services().map(imageName));
      for (const image of prod) {
        expect(image.tag).toMatch(/^\d+\.\d+\.\d+$/);
        // The release writes `<version>@sha256:…`; before the first release there is no digest yet.
        if (image.digest !== undefined) expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
    },
  );
});
