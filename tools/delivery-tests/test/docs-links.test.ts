/**
 * The Markdown pages are how a newcomer and an operator find their way: every relative link in
 * them must lead to a file that exists (and a `#heading` of it to a heading it has), and so must every repository path they name in a code span
 * (a test, a source, a manifest a page sends its reader to). `k8s/observability/README.md` is where the delivery's
 * contract sends an operator for the observability stack; the manifests live by who owns them
 * (k8s/cluster-monitoring for the cluster's side, k8s/components/observability for the shop's),
 * so that page must lead to both.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoPath } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { markdownPages } from '../src/markdown-pages.ts';

/** The relative link targets of a page (outside code), without their #fragments, from the repository's root. */
function relativeLinks(page: string): string[] {
  const prose = readFileSync(repoPath(page), 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!.split('#')[0]!)
    .filter((target) => target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => join(dirname(page), decodeURI(target)));
}

/** The `#fragment` links of a page to a Markdown page (itself included), as `[target page, fragment]`. */
function fragmentLinks(page: string): Array<[string, string]> {
  const prose = readFileSync(repoPath(page), 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)]
    .filter((match) => !/^[a-z][a-z0-9+.-]*:/i.test(match[1]!) && (match[1] === '' || match[1]!.endsWith('.md')))
    .map((match) => [match[1] === '' ? page : join(dirname(page), decodeURI(match[1]!)), match[2]!]);
}

/** The anchors GitHub gives a page's headings: lower case, punctuation but `-` dropped, spaces as `-`. */
function headingAnchors(page: string): Set<string> {
  const headings = readFileSync(repoPath(page), 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .flatMap((line) => /^#{1,6} (.+)$/.exec(line)?.[1] ?? []);
  return new Set(
    headings.map((heading) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

/** Folders that runs make (reports, local state): named by pages, absent from a clone. */
const NOT_WRITTEN = new Set(['reports', '.data', 'node_modules', 'dist']);
/** The folders a page may name a path from: the root, `k8s/`, and each project (`test/…` of the project it is about). */
const BASES = ['.', 'k8s', ...['apps', 'libs', 'tools'].flatMap((group) => readdirSync(repoPath(group)).map((name) => `${group}/${name}`))];
/** Where a path's first folder says it is one of ours: the repository's top folders, and a project's own. */
const OURS = new Set([...readdirSync(repoPath('.')).filter((name) => !NOT_WRITTEN.has(name)), 'src', 'test', 'data', 'migrations']);

/**
 * The repository paths a page names in code spans (`apps/cart/src/app.ts`, `test/edge/…`),
 * but those with a placeholder (`<service>`, `x`, `*`, `{dev,prod}`) or under a folder that runs make.
 */
function namedPaths(page: string): string[] {
  const text = readFileSync(repoPath(page), 'utf8');
  return [...text.matchAll(/`([\w.@-]+(?:\/[\w.@-]+)+\/?)`/g)]
    .map((match) => match[1]!)
    .filter((path) => OURS.has(path.split('/')[0]!) && !path.split('/').some((segment) => segment === 'x' || segment.startsWith('x.')));
}

describe('the Markdown pages', () => {
  const pages = markdownPages();

  it('are found: the README, the docs and every project’s own', () => {
    expect(pages).toContain('README.md');
    expect(pages).toContain('docs/performance.md');
    expect(pages).toContain('apps/payment/README.md');
  });

  it('link only to files that exist', () => {
    const broken = pages.flatMap((page) =>
      relativeLinks(page).flatMap((target) => (existsSync(repoPath(target)) ? [] : [`${page} → ${target}`])),
    );
    expect(broken).toEqual([]);
  });

  it('link to headings that exist (`page.md#heading`, `#heading`)', () => {
    const broken = pages.flatMap((page) =>
      fragmentLinks(page).flatMap(([target, fragment]) =>
        existsSync(repoPath(target)) && !headingAnchors(target).has(decodeURIComponent(fragment))
          ? [`${page} → ${target}#${fragment}`]
          : [],
      ),
    );
    expect(broken).toEqual([]);
  });

  it('k8s/observability/README.md leads to the install guide and to the shop’s observability component', () => {
    expect(pages).toContain('k8s/observability/README.md');
    const links = relativeLinks('k8s/observability/README.md');
    expect(links).toContain('k8s/cluster-monitoring/README.md');
    expect(links).toContain('k8s/components/observability/README.md');
  });

  it('name in code spans only repository paths that exist (from the root, the page, k8s/ or a project)', () => {
    const missing = pages.flatMap((page) =>
      namedPaths(page)
        .filter((path) => ![...BASES, dirname(page)].some((base) => existsSync(repoPath(base, path))))
        .map((path) => `${page} → ${path}`),
    );
    expect(missing).toEqual([]);
  });
});
