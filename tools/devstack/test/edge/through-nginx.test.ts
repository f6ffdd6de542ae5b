/**
 * The shop behind a real nginx configured from the rendered Ingress (k8s/overlays/dev) the way
 * ingress-nginx configures itself, in front of a local stack with three replicas per service:
 * what clients of the cluster get, down to the edge's own answers (413, 404) and its headers.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KUBECTL_INSTALL } from '@myshop/release';
import { requiredTool, sendRawHttp, writeReliabilityFigure } from '@myshop/testing';
import { Agent, request } from 'undici';
import { SANDBOX_CARDS } from '@myshop/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngressObject } from '../../src/edge/ingress-nginx-config.ts';
import { startNginx, type RunningNginx } from './nginx.ts';
import { renderedIngresses } from '../../src/edge/rendered-ingresses.ts';
import { startStack, type Stack } from '../../src/index.ts';

const root = resolve(import.meta.dirname, '../../../..');
const nginx = requiredTool('nginx', 'apt-get install -y nginx-light');
const kubectl = requiredTool('kubectl', KUBECTL_INSTALL);
const KIB = 1024;
const MIB = 1024 * KIB;
/** The services' BODY_LIMIT_BYTES (k8s/base/*\/config.env), which the Ingress annotation repeats. */
const BODY_LIMIT = 64 * KIB;
const OVERSIZE = [
  ['64 KiB+1', BODY_LIMIT + 1],
  ['100 KiB', 100 * KIB],
  ['512 KiB', 512 * KIB],
  ['1 MiB-1', MIB - 1],
  ['1 MiB+1', MIB + 1],
  ['4 MiB', 4 * MIB],
] as const;
const ATTEMPTS = 64;
/** Logins per client address and minute, low so the forged-address test reaches it quickly. */
const LOGIN_LIMIT_PER_IP = 8;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

let stack: Stack;
/** nginx from the Ingress as rendered. */
let edge: RunningNginx;
/** The same Ingress without its body-size annotation: nginx's 1m default, the services refuse. */
let edgeAtDefault: RunningNginx;
let dataDir: string;
const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
/**
 * A client at an address of its own (all of 127.0.0.0/8 is loopback): its logins are the only
 * ones its address has made, however long ago the other tests' logins were.
 */
const agentAtAnotherAddress = new Agent({ localAddress: '127.0.0.2' });
const lines: string[] = [];

async function call(
  base: RunningNginx,
  method: string,
  path: string,
  options: { host?: string; body?: Buffer | string; headers?: Record<string, string>; dispatcher?: Agent } = {},
): Promise<Answer> {
  const response = await request(`${base.url}${path}`, {
    dispatcher: options.dispatcher ?? agent,
    method: method as 'GET',
    headers: {
      host: options.host ?? 'myshop.com',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const json = (answer: Answer) => JSON.parse(answer.text) as Record<string, unknown>;
const fromNginx = (answer: Answer) =>
  String(answer.headers['content-type']).startsWith('text/html') && answer.headers['x-request-id'] === undefined;

/** Who answered what: `413 service` (the JSON error), `413 nginx`, or the status and its source. */
function outcome(answer: Answer): string {
  if (fromNginx(answer)) return `${answer.status} nginx`;
  try {
    const body = json(answer);
    if (answer.status === 413 && body.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && body.statusCode === 413) return '413 service';
  } catch {
    // Not JSON: reported as is below.
  }
  return `${answer.status} other`;
}

/** A JSON registration of exactly `bytes` bytes. */
function paddedBody(bytes: number): Buffer {
  const head = JSON.stringify({ email: `big-${randomUUID()}@example.com`, password: 'correct horse battery', name: 'Big', pad: '' });
  return Buffer.from(head.replace('"pad":""', `"pad":"${'x'.repeat(bytes - Buffer.byteLength(head))}"`));
}

/** `ATTEMPTS` oversize registrations of each size through `base`, 8 at a time; counts per outcome. */
async function oversizeFigures(base: RunningNginx): Promise<Record<string, Record<string, number>>> {
  const figures: Record<string, Record<string, number>> = {};
  for (const [name, bytes] of OVERSIZE) {
    const counts: Record<string, number> = {};
    const body = paddedBody(bytes);
    for (let batch = 0; batch < ATTEMPTS; batch += 8) {
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          call(base, 'POST', '/user/register', { body }).then(
            outcome,
            (error: { code?: string; message: string }) => `error ${error.code ?? error.message}`,
          ),
        ),
      );
      for (const result of results) counts[result] = (counts[result] ?? 0) + 1;
    }
    figures[name] = counts;
  }
  return figures;
}

const describeWithNginx = describe.skipIf(!nginx.path || !kubectl.path);

describeWithNginx(`the shop through nginx configured from the rendered Ingress${nginx.skipNote}${kubectl.skipNote}`, () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'myshop-edge-'));
    // As root, each embedded PostgreSQL runs as its own user and must get through.
    chmodSync(dataDir, 0o755);
    stack = await startStack({
      root,
      replicas: 3,
      gatewayPort: 0,
      dataDir,
      env: { LOGIN_LIMIT_PER_IP: String(LOGIN_LIMIT_PER_IP) },
      printLine: (replica, line) => void lines.push(`${replica} ${line}`),
    });
    // Endpoints: each ready replica of the Service the Ingress names (`cart-service` → cart).
    const endpoints = (service: string) =>
      (stack.services.get(service.replace(/-service$/, ''))?.replicas ?? []).map((replica) => replica.origin.replace('http://', ''));
    const ingresses = renderedIngresses(root, 'k8s/overlays/dev');
    edge = await startNginx(nginx.path!, { ingresses, endpoints });
    const withoutBodySize: IngressObject[] = ingresses.map((ingress) => ({
      ...ingress,
      metadata: {
        ...ingress.metadata,
        annotations: Object.fromEntries(
          Object.entries(ingress.metadata.annotations ?? {}).filter(([key]) => !key.endsWith('/proxy-body-size')),
        ),
      },
    }));
    edgeAtDefault = await startNginx(nginx.path!, { ingresses: withoutBodySize, endpoints });
  }, 300_000);

  afterAll(async () => {
    await Promise.all([agent.close(), agentAtAnotherAddress.close()]);
    await edge?.stop();
    await edgeAtDefault?.stop();
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('serves the journey: register → login → add to cart → checkout → list charges, with its proxy headers', async () => {
    const account = { email: `edge-${randomUUID()}@example.com`, password: 'correct horse battery', name: 'Edge' };
    expect((await call(edge, 'POST', '/user/register', { body: JSON.stringify(account) })).status).toBe(201);
    const login = await call(edge, 'POST', '/user/login', { body: JSON.stringify({ email: account.email, password: account.password }) });
    expect(login.status).toBe(200);
    const token = String(json(login).accessToken);
    const auth = { authorization: `Bearer ${token}` };

    const products = await call(edge, 'GET', '/cart/products?limit=1');
    expect(products.status).toBe(200);
    // nginx made up the request id (its $request_id) and the service kept it.
    expect(products.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const [product] = json(products).items as Array<{ id: string; price: number }>;
    const added = await call(edge, 'POST', '/cart/items', { headers: auth, body: JSON.stringify({ productId: product!.id, quantity: 2 }) });
    expect(added.status, added.text).toBe(201);
    const paid = await call(edge, 'POST', '/cart/checkout', {
      headers: { ...auth, 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        card: { number: SANDBOX_CARDS.approved, expMonth: 12, expYear: new Date().getUTCFullYear() + 1, cvc: '123' },
      }),
    });
    expect(paid.status, paid.text).toBe(201);
    expect(json(paid)).toMatchObject({ status: 'paid', amount: 2 * product!.price });
    const charges = await call(edge, 'GET', '/payment/charges', { headers: auth });
    expect(charges.status).toBe(200);
    expect(json(charges).items).toMatchObject([{ id: json(paid).chargeId, status: 'succeeded', amount: 2 * product!.price }]);
  });

  it(`refuses oversize bodies (${OVERSIZE.map(([name]) => name).join(', ')}; ${ATTEMPTS} each) with 413, never a 5xx`, async () => {
    const annotated = await oversizeFigures(edge);
    const atDefault = await oversizeFigures(edgeAtDefault);
    const rows = OVERSIZE.map(
      ([name]) =>
        `${name.padEnd(9)} as rendered: ${JSON.stringify(annotated[name])}; at nginx's 1m default: ${JSON.stringify(atDefault[name])}`,
    );
    process.stdout.write(`oversize bodies through nginx, ${ATTEMPTS} attempts per size:\n${rows.join('\n')}\n`);
    const unexpected = OVERSIZE.flatMap(([name, bytes]) => [
      // As rendered, the edge refuses anything over the services' limit itself.
      ...Object.keys(annotated[name]!)
        .filter((result) => result !== '413 nginx')
        .map((result) => `as rendered, ${name}: ${result}`),
      // At nginx's default, what it forwards is the services' to refuse: their JSON 413.
      ...Object.keys(atDefault[name]!)
        .filter((result) => result !== (bytes > MIB ? '413 nginx' : '413 service'))
        .map((result) => `at the 1m default, ${name}: ${result}`),
    ]);
    writeReliabilityFigure({
      check: 'edge oversize bodies through nginx',
      load: `${ATTEMPTS} attempts × ${OVERSIZE.length} sizes × 2 edges (as rendered, 1m default)`,
      figure: rows.join(' | '),
      target: '413 only: nginx’s as rendered, the service’s JSON behind a 1m edge; never a 5xx',
      pass: unexpected.length === 0,
    });
    // What nginx logs when a service resets it (`writev() failed (32: Broken pipe) while sending
    // request to upstream`, `upstream prematurely closed`…).
    const upstreamErrors = [edge, edgeAtDefault].flatMap((base) => base.errorLog().split('\n')).filter((line) => line.includes('upstream'));
    expect(unexpected, upstreamErrors.slice(0, 5).join('\n')).toEqual([]);
    expect(upstreamErrors).toEqual([]);
  }, 600_000);

  it('limits logins by the address nginx saw, whatever X-Forwarded-For a client forges', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 2 * LOGIN_LIMIT_PER_IP; attempt += 1) {
      const forged = `203.0.113.${attempt + 1}`;
      const answer = await call(edge, 'POST', '/user/login', {
        headers: { 'x-forwarded-for': forged, 'x-real-ip': forged, forwarded: `for=${forged}` },
        body: JSON.stringify({ email: `nobody-${attempt}@example.com`, password: 'wrong password here' }),
        dispatcher: agentAtAnotherAddress,
      });
      statuses.push(answer.status);
    }
    process.stdout.write(`forged X-Forwarded-For, ${statuses.length} logins: ${JSON.stringify(statuses)}\n`);
    // Counted against the one address nginx saw, whatever each request claimed.
    expect(statuses).toEqual([...Array<number>(LOGIN_LIMIT_PER_IP).fill(401), ...Array<number>(LOGIN_LIMIT_PER_IP).fill(429)]);
  });

  it('answers unknown hosts from its default server with 404, reaching no service', async () => {
    for (const host of ['evil.example', 'myshop.com.evil.example', '127.0.0.1', 'cart-service']) {
      const answer = await call(edge, 'GET', '/cart/products', { host });
      expect(answer.status, host).toBe(404);
      expect(fromNginx(answer), host).toBe(true);
    }
  });

  it.each([
    // [path, status, who answers]
    ['/cart/products?limit=1', 200, 'service'],
    ['/cartx', 404, 'nginx'],
    ['/cartx/products', 404, 'nginx'],
    ['/CART/products', 404, 'nginx'],
    ['/cart..%2f', 404, 'nginx'],
    ['/', 404, 'nginx'],
    ['/metrics', 404, 'nginx'],
    // nginx decodes and resolves these to /cart…, then forwards the raw path, which no route has.
    ['/user%2F..%2Fcart', 404, 'service'],
    ['/user/..%2Fcart/products', 404, 'service'],
    // %63 is an encoded `c`: the same path (RFC 3986 §6.2.2.2), served as /cart/products.
    ['/%63art/products?limit=1', 200, 'service'],
  ] as const)('GET %s → %i from the %s', async (path, status, who) => {
    const answer = await call(edge, 'GET', path);
    expect(answer.status, answer.text.slice(0, 200)).toBe(status);
    expect(fromNginx(answer) ? 'nginx' : 'service', answer.text.slice(0, 200)).toBe(who);
  });

  it.each([
    // [request, status, raw head]: the local gateway answers each as nginx does, in its JSON shape.
    ['an absolute-form target, routed by its host', 200, 'GET http://myshop.com/cart/products?limit=1 HTTP/1.1\r\nhost: other.example'],
    ['an HTTP/2.0 request line', 505, 'GET /cart/products HTTP/2.0\r\nhost: myshop.com'],
    ['an empty Host', 400, 'GET /cart/products HTTP/1.1\r\nhost: '],
    ['a TRACE', 405, 'TRACE /cart/products HTTP/1.1\r\nhost: myshop.com'],
    // nginx refuses these pairs itself: no service sees either line.
    ['two If-None-Match headers', 400, 'GET /cart/products HTTP/1.1\r\nhost: myshop.com\r\nif-none-match: "a"\r\nif-none-match: "b"'],
    [
      'two Authorization headers',
      400,
      'GET /payment/charges HTTP/1.1\r\nhost: myshop.com\r\nauthorization: Bearer a\r\nauthorization: Bearer b',
    ],
  ] as const)('answers %s with %i, as the local gateway does', async (_request, status, head) => {
    const raw = `${head}\r\nconnection: close\r\n\r\n`;
    const [fromEdge, fromGateway] = await Promise.all([
      sendRawHttp(edge.port, raw),
      sendRawHttp(Number(new URL(stack.gatewayUrl).port), raw),
    ]);
    expect(fromEdge.statusCode, fromEdge.body.slice(0, 200)).toBe(status);
    expect(fromGateway.statusCode, fromGateway.body.slice(0, 200)).toBe(status);
    // Who answered: the service for a 200; for a refusal, nginx's own page and the gateway's JSON error.
    expect(String(fromEdge.headers['content-type']).startsWith('text/html')).toBe(status !== 200);
    expect(JSON.parse(fromGateway.body)).toMatchObject(
      status === 200 ? { items: expect.any(Array) } : { statusCode: status, code: expect.any(String) },
    );
  });
});
