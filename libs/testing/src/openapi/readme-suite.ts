import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { exportedErrorCodes, readmeErrorCodes, readmeRouteProblems } from './readme-routes.ts';

export interface ServiceReadme {
  /** The service's name and route prefix: `cart` serves `/cart/openapi.json`. */
  service: string;
  /** The service's README.md. */
  readme: URL;
  /** The service's errors module (`src/errors.ts`): every code it exports must be listed. */
  errors: Record<string, unknown>;
  /** Builds the service's app on a test database, as its other tests do. */
  build: () => Promise<{ app: FastifyInstance }>;
}

/**
 * The tests that hold a service's README to what the service is: its route table to its OpenAPI
 * document, its Error codes to its errors module. One suite for the three services, each calling
 * it from its own `test/readme.test.ts`.
 */
export function describeServiceReadme({ service, readme, errors, build }: ServiceReadme): void {
  const text = () => readFileSync(readme, 'utf8');
  describe('README.md', () => {
    it(`lists in its route table every operation of GET /${service}/openapi.json, with its statuses, auth, query, headers and body`, async () => {
      const { app } = await build();
      const document = (await app.inject({ method: 'GET', url: `/${service}/openapi.json` })).json();
      expect(readmeRouteProblems(text(), document)).toEqual([]);
    });

    it('lists in its Error codes every code of src/errors.ts, with its status', () => {
      const listed = readmeErrorCodes(text());
      const defined = exportedErrorCodes(errors);
      expect(defined.length).toBeGreaterThan(3);
      expect(defined.filter(([code, status]) => listed.get(code) !== status)).toEqual([]);
    });
  });
}
