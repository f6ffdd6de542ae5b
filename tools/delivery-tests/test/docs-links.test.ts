/**
 * The Markdown pages are how a newcomer and an operator find their way: every relative link in
 * them must lead to a file that exists. `k8s/observability/README.md` is where the delivery's
 * contract sends an operator for the observability stack; the manifests live by who owns them
 * (k8s/cluster-monitoring for the cluster's side, k8s/components/observability for the shop's),
 * so that page must lead to both.
 */
import { existsSync, readFileSync } from 'node:fs';
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

  it('k8s/observability/README.md leads to the install guide and to the shop’s observability component', () => {
    expect(pages).toContain('k8s/observability/README.md');
    const links = relativeLinks('k8s/observability/README.md');
    expect(links).toContain('k8s/cluster-monitoring/README.md');
    expect(links).toContain('k8s/components/observability/README.md');
  });
});
