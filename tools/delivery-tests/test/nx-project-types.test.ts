import { readdirSync } from 'node:fs';
import { nxProjectsOfType, repoPath, services } from '@myshop/release';
import { describe, expect, it } from 'vitest';

// Nx guesses a project's type from its package.json when project.json does not say it, and a
// service's package.json exports its app for the tests: `nx show projects --type app` and the
// project graph would list the three services as libraries.
describe('Nx project types', () => {
  it('counts each service as an application', () => {
    expect(services()).toEqual(['cart', 'payment', 'user']);
    expect(nxProjectsOfType('app')).toEqual(expect.arrayContaining(services()));
  }, 60_000);

  it('counts each shared library as a library, and no service', () => {
    const libraries = nxProjectsOfType('lib');
    expect(libraries).toEqual(expect.arrayContaining(readdirSync(repoPath('libs')).sort()));
    expect(libraries.filter((project) => services().includes(project))).toEqual([]);
  }, 60_000);
});
