import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KUBECTL_INSTALL } from '@myshop/release';
import { requiredTool } from '@myshop/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nginxConfig, type IngressObject } from '../../src/edge/ingress-nginx-config.ts';
import { renderedIngresses } from '../../src/edge/rendered-ingresses.ts';

const root = resolve(import.meta.dirname, '../../../..');
const nginx = requiredTool('nginx', 'apt-get install -y nginx-light');
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);

function ingress(
  annotations: Record<string, string> = {},
  paths = [{ path: '/cart', pathType: 'Prefix', service: 'cart-service' }],
): IngressObject {
  return {
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'shop-ns', annotations },
    spec: {
      rules: [
        {
          host: 'myshop.com',
          http: {
            paths: paths.map(({ path, pathType, service }) => ({
              path,
              pathType,
              backend: { service: { name: service, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

const endpoints = (service: string) =>
  ({ 'cart-service': ['127.0.0.1:5001', '127.0.0.1:5002'], 'user-service': ['127.0.0.1:5003'] })[service] ?? [];
const generate = (ingresses: IngressObject[]) => nginxConfig({ ingresses, endpoints, listen: '127.0.0.1:8081', runDir: '/tmp/run' });

/** The block of `location <match> {`, up to its closing brace. */
function location(config: string, match: string): string {
  const start = config.indexOf(`location ${match} {`);
  expect(start, `location ${match}`).toBeGreaterThan(-1);
  return config.slice(start, config.indexOf('\n        }', start));
}

describe('nginxConfig', () => {
  it('reads a Prefix path as ingress-nginx does: the path itself exactly, and everything under it', () => {
    const config = generate([ingress()]);
    expect(location(config, '= /cart')).toContain('proxy_pass http://shop-ns-cart-service-80;');
    expect(location(config, '/cart/')).toContain('proxy_pass http://shop-ns-cart-service-80;');
    expect(config).not.toMatch(/location \/cart \{/);
    // Any other path of the host: the default backend's 404.
    expect(config).toMatch(/server_name myshop\.com;[\s\S]*location \/ \{ return 404; \}/);
  });

  it('reads an Exact path as an exact location only', () => {
    const config = generate([ingress({}, [{ path: '/user/login', pathType: 'Exact', service: 'user-service' }])]);
    expect(location(config, '= /user/login')).toContain('proxy_pass http://shop-ns-user-service-80;');
    expect(config).not.toContain('location /user/login/');
  });

  it('balances over every replica with keep-alive upstream connections', () => {
    const config = generate([ingress()]);
    expect(config).toContain(
      [
        '    upstream shop-ns-cart-service-80 {',
        '        server 127.0.0.1:5001 max_fails=0;',
        '        server 127.0.0.1:5002 max_fails=0;',
        '        keepalive 320;',
      ].join('\n'),
    );
    expect(location(config, '/cart/')).toContain('proxy_http_version 1.1;');
    expect(location(config, '/cart/')).toContain('proxy_set_header Connection $connection_upgrade;');
  });

  it("sends ingress-nginx's default proxy headers: the client address nginx saw, never one the client wrote", () => {
    const block = location(generate([ingress()]), '/cart/');
    for (const header of [
      'Host $best_http_host',
      'X-Request-ID $req_id',
      'X-Real-IP $the_real_ip',
      'X-Forwarded-For $the_real_ip',
      'X-Forwarded-Host $best_http_host',
      'X-Forwarded-Port $pass_port',
      'X-Forwarded-Proto $pass_access_scheme',
    ]) {
      expect(block).toContain(`proxy_set_header ${header};`);
    }
    expect(generate([ingress()])).toContain("map '' $the_real_ip { default $remote_addr; }");
  });

  it('answers unknown hosts from a default server with 404', () => {
    expect(generate([ingress()])).toMatch(/listen 127\.0\.0\.1:8081 default_server;\s+server_name _;\s+location \/ \{ return 404; \}/);
  });

  it('translates proxy-body-size to client_max_body_size; without it, the 1m default', () => {
    expect(location(generate([ingress({ 'nginx.ingress.kubernetes.io/proxy-body-size': '64k' })]), '/cart/')).toContain(
      'client_max_body_size 64k;',
    );
    expect(location(generate([ingress()]), '/cart/')).toContain('client_max_body_size 1m;');
    expect(() => generate([ingress({ 'nginx.ingress.kubernetes.io/proxy-body-size': 'lots' })])).toThrow(/not an nginx size/);
  });

  it('translates force-ssl-redirect to a 308 to https, and ignores other controllers’ annotations', () => {
    const block = location(
      generate([ingress({ 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true', 'cert-manager.io/cluster-issuer': 'letsencrypt' })]),
      '/cart/',
    );
    expect(block).toContain('if ($pass_access_scheme = http) { return 308 https://$best_http_host$request_uri; }');
  });

  it('refuses an annotation it cannot translate, a backend without endpoints, and host-less rules', () => {
    expect(() => generate([ingress({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' })])).toThrow(/rewrite-target has no translation/);
    expect(() => generate([ingress({}, [{ path: '/pay', pathType: 'Prefix', service: 'payment-service' }])])).toThrow(
      /payment-service:80 has no endpoints/,
    );
    const hostless = ingress();
    delete hostless.spec!.rules![0]!.host;
    expect(() => generate([hostless])).toThrow(/without a host/);
    expect(() => generate([ingress({}, [{ path: '/x', pathType: 'ImplementationSpecific', service: 'cart-service' }])])).toThrow(
      /only Exact and Prefix/,
    );
  });

  it.skipIf(!kubectl.path)(`translates every Ingress of every environment overlay${kubectl.skipNote}`, () => {
    for (const overlay of ['k8s/overlays/dev', 'k8s/overlays/prod']) {
      const ingresses = renderedIngresses(root, overlay);
      expect(ingresses.length, overlay).toBeGreaterThan(0);
      const config = nginxConfig({ ingresses, endpoints: () => ['127.0.0.1:5000'], listen: '127.0.0.1:8081', runDir: '/tmp/run' });
      expect(config, overlay).toContain('client_max_body_size 64k;');
    }
  });

  it.skipIf(!nginx.path || !kubectl.path)(`is a configuration nginx accepts (nginx -t)${nginx.skipNote}${kubectl.skipNote}`, () => {
    const runDir = mkdtempSync(join(tmpdir(), 'myshop-nginx-t-'));
    onTestFinished(() => rmSync(runDir, { recursive: true, force: true }));
    const file = join(runDir, 'nginx.conf');
    writeFileSync(
      file,
      nginxConfig({
        ingresses: renderedIngresses(root, 'k8s/overlays/prod'),
        endpoints: () => ['127.0.0.1:5000'],
        listen: '127.0.0.1:8081',
        runDir,
      }),
    );
    expect(() =>
      execFileSync(nginx.path!, ['-p', runDir, '-c', file, '-e', join(runDir, 'error.log'), '-t', '-q'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
