import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kustomizations, render } from '../src/kustomize.ts';
import { readJson, repoPath, services } from '../src/repo.ts';
import { byKind, parseImage, workloads } from '../src/workloads.ts';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; strategy?: { matrix?: Record<string, unknown[]> }; services?: Record<string, unknown> }>;
}

const dir = repoPath('.github/workflows');
const files = existsSync(dir) ? readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)) : [];
const workflows = new Map(files.map((name) => [name, parse(readFileSync(`${dir}/${name}`, 'utf8')) as Workflow]));
const steps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const scripts = readJson<{ scripts: Record<string, string> }>(repoPath('package.json')).scripts;

describe('GitHub workflows', () => {
  it('exist: ci and release', () => {
    expect(files.sort()).toEqual(['ci.yaml', 'release.yaml']);
  });

  it.each(files)('%s parses, and every job has steps', (name) => {
    const workflow = workflows.get(name)!;
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    for (const job of Object.values(workflow.jobs)) expect(job.steps.length).toBeGreaterThan(0);
  });

  it.each(files)('%s runs only npm scripts and files that exist', (name) => {
    const problems: string[] = [];
    for (const step of steps(workflows.get(name)!)) {
      for (const [, script] of (step.run ?? '').matchAll(/npm run ([\w:-]+)/g)) if (!scripts[script!]) problems.push(`npm run ${script}: no such script`);
      for (const [, path] of (step.run ?? '').matchAll(/(?:bash|node) ([\w./-]+)/g)) if (!existsSync(repoPath(path!))) problems.push(`${path}: no such file`);
      for (const [, overlay] of (step.run ?? '').matchAll(/kubectl kustomize (k8s\/[\w/-]+)/g)) if (!existsSync(repoPath(overlay!))) problems.push(`${overlay}: no such directory`);
      const file = step.with?.file;
      if (typeof file === 'string' && !file.includes('${{') && !existsSync(repoPath(file))) problems.push(`${file}: no such file`);
    }
    expect(problems).toEqual([]);
  });

  it.each(files)('%s pins every action to a major version or a commit', (name) => {
    const unpinned = steps(workflows.get(name)!).filter((step) => step.uses && !/@(v\d+(\.\d+)*|\d+\.\d+\.\d+|[0-9a-f]{40})$/.test(step.uses));
    expect(unpinned.map((step) => step.uses)).toEqual([]);
  });

  describe('ci.yaml', () => {
    const ci = workflows.get('ci.yaml')!;
    const job = (name: string) => ci.jobs[name]!;
    const runs = (name: string) => job(name).steps.map((step) => step.run ?? '').join('\n');

    it('runs on pull requests and on pushes', () => {
      expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    });

    it('installs from the lock file, lints and tests with a PostgreSQL service container', () => {
      expect(runs('test')).toMatch(/npm ci[\s\S]*npm run lint[\s\S]*npm test/);
      expect(Object.keys(job('test').services ?? {})).toEqual(['postgres']);
    });

    it('renders every environment overlay', () => {
      const rendered = job('manifests').strategy!.matrix!.overlay!.map((overlay) => `k8s/overlays/${overlay}`);
      expect(rendered.sort()).toEqual(kustomizations().environments);
    });

    it('builds every service with Buildx and a cache, scans it, pushes it on main tagged with the commit', () => {
      expect([...job('images').strategy!.matrix!.service!].sort()).toEqual(services());
      const uses = job('images').steps.map((step) => step.uses?.split('@')[0]);
      expect(uses).toEqual(expect.arrayContaining(['docker/setup-buildx-action', 'docker/build-push-action', 'aquasecurity/trivy-action', 'docker/login-action']));
      const build = job('images').steps.find((step) => step.uses?.startsWith('docker/build-push-action'))!;
      expect(build.with).toMatchObject({ file: 'docker/${{ matrix.service }}.Dockerfile', context: '.', 'cache-from': expect.stringContaining('type=gha') });
      expect(String(build.with!.tags)).toContain('${{ github.sha }}');
      expect(runs('images')).toContain('ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/${{ matrix.service }}');
    });
  });

  it('the release pins images that the prod overlays deploy, with a script that does so', async () => {
    const release = workflows.get('release.yaml')!;
    expect(Object.keys(release.on)).toEqual(['push']);
    expect(steps(release).some((step) => step.run?.includes('npm run pin-prod-images'))).toBe(true);
    const prodImages = workloads(render('k8s/overlays/prod')).flatMap(({ pod }) => pod.containers.map((container) => parseImage(container.image).name));
    expect(prodImages.sort()).toEqual(services().map((service) => `ghcr.io/myshop/${service}`));
    expect(byKind(render('k8s/overlays/prod'), 'Deployment').length).toBe(services().length);
  });
});
