import { readFileSync } from 'node:fs';
import { readmeRouteProblems } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser } from './helpers.ts';

describe('README.md', () => {
  it('lists in its route table every operation of GET /user/openapi.json, with its statuses, auth, query, headers and body', async () => {
    const { app } = await buildUser();
    const document = (await app.inject({ method: 'GET', url: '/user/openapi.json' })).json();
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readmeRouteProblems(readme, document)).toEqual([]);
  });
});
