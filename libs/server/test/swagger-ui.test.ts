import { captureLogs, securityHeaderProblems } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFastify, platformPlugin } from '../src/index.ts';

async function buildApp() {
  const app = createFastify({ logger: captureLogs('demo').logger, bodyLimitBytes: 1024, requestTimeoutMs: 5000 });
  onTestFinished(() => app.close());
  await app.register(platformPlugin, { service: 'demo', version: '1.0.0', description: 'a demo' });
  app.get('/demo/things', { schema: { summary: 'Things' } }, async () => ({}));
  return app;
}

/** The Content-Security-Policy header as directive → sources. */
function policy(header: unknown): Record<string, string[]> {
  return Object.fromEntries(
    String(header)
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('GET /<service>/docs', () => {
  it('serves Swagger UI, with every asset its page loads', async () => {
    const app = await buildApp();
    const page = await app.inject({ url: '/demo/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<div id="swagger-ui">');
    const assets = [...page.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toEqual(
      expect.arrayContaining([
        '/demo/docs/static/swagger-ui-bundle.js',
        '/demo/docs/static/swagger-initializer.js',
        '/demo/docs/static/swagger-ui.css',
      ]),
    );
    for (const asset of assets) {
      const response = await app.inject({ url: asset });
      expect(response.statusCode, asset).toBe(200);
      expect(response.body.length, asset).toBeGreaterThan(0);
    }
    // What the page shows: this service's document.
    const document = await app.inject({ url: '/demo/docs/json' });
    expect(Object.keys(document.json().paths)).toEqual(['/demo/things']);
  });

  it('allows the page its own scripts, styles and data: images, and nothing wider', async () => {
    const app = await buildApp();
    for (const url of ['/demo/docs', '/demo/docs/static/swagger-ui-bundle.js']) {
      const csp = policy((await app.inject({ url })).headers['content-security-policy']);
      expect(csp).toEqual({
        'default-src': ["'none'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'base-uri': ["'none'"],
        'form-action': ["'none'"],
        'frame-ancestors': ["'none'"],
      });
      const sources = Object.values(csp).flat();
      for (const wide of ["'unsafe-eval'", "'unsafe-inline'", '*', 'https:', 'http:']) expect(sources, url).not.toContain(wide);
    }
  });

  it('sends "Try it out" requests to the origin that served the page, the one its policy allows', async () => {
    const app = await buildApp();
    const document = (await app.inject({ url: '/demo/docs/json' })).json();
    expect(document.servers).toHaveLength(1);
    // Swagger UI resolves the server against the document's URL (OpenAPI 3.1, Server Object), and
    // the page may connect to its own origin only: npm start's gateway, a dev cluster, production.
    for (const origin of ['http://myshop.com:8080', 'https://dev.myshop.com', 'https://myshop.com']) {
      expect(new URL(document.servers[0].url, `${origin}/demo/docs/json`).origin, origin).toBe(origin);
    }
  });

  it("keeps the API's own policy strict: no source at all", async () => {
    const app = await buildApp();
    const response = await app.inject({ url: '/demo/things' });
    expect(policy(response.headers['content-security-policy'])).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
    expect(securityHeaderProblems(response)).toEqual([]);
  });

  it('keeps the UI out of the document', async () => {
    const app = await buildApp();
    const document = (await app.inject({ url: '/demo/openapi.json' })).json();
    expect(Object.keys(document.paths).filter((path) => path.includes('/docs'))).toEqual([]);
  });
});
