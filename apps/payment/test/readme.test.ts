import { readFileSync } from 'node:fs';
import { exportedErrorCodes, readmeErrorCodes, readmeRouteProblems } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.ts';
import { buildPayment } from './helpers.ts';

describe('README.md', () => {
  it('lists in its route table every operation of GET /payment/openapi.json, with its statuses, auth, query, headers and body', async () => {
    const { app } = await buildPayment();
    const document = (await app.inject({ method: 'GET', url: '/payment/openapi.json' })).json();
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readmeRouteProblems(readme, document)).toEqual([]);
  });

  it('lists in its Error codes every code of src/errors.ts, with its status', () => {
    const listed = readmeErrorCodes(readFileSync(new URL('../README.md', import.meta.url), 'utf8'));
    const defined = exportedErrorCodes(errors);
    expect(defined.length).toBeGreaterThan(3);
    expect(defined.filter(([code, status]) => listed.get(code) !== status)).toEqual([]);
  });
});
