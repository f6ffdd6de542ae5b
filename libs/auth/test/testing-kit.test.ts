import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { developmentClientSecret } from '../src/index.ts';
import { createTestIssuer, serveIssuer } from '../src/testing/index.ts';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

async function served() {
  const issuer = await createTestIssuer();
  const server = await serveIssuer(issuer, { cart: 'cart-secret' });
  onTestFinished(() => server.close());
  const token = (body: Record<string, unknown>, secret = 'cart-secret') =>
    fetch(server.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`cart:${secret}`).toString('base64')}` },
      body: JSON.stringify(body),
    });
  return { issuer, server, token };
}

describe('serveIssuer (the user service as tests meet it over HTTP)', () => {
  it('serves the key set, and 404 for anything else', async () => {
    const { issuer, server } = await served();
    expect(await (await fetch(server.jwksUrl)).json()).toEqual(issuer.jwks);
    expect((await fetch(server.jwksUrl.replace('jwks.json', 'other'))).status).toBe(404);
  });

  it('exchanges a shopper token for a service token acting for the shopper, and gives a client a token for itself', async () => {
    const { issuer, server, token } = await served();
    const exchanged = await token({
      grant_type: TOKEN_EXCHANGE,
      audience: 'payment',
      scope: 'payment:charge',
      subject_token: await issuer.sign('user-1'),
    });
    expect(exchanged.status).toBe(200);
    expect(decodeJwt(((await exchanged.json()) as { access_token: string }).access_token)).toMatchObject({
      sub: 'user-1',
      aud: 'payment',
      act: { sub: 'cart' },
      scope: 'payment:charge',
    });
    const own = await token({ grant_type: 'client_credentials', audience: 'payment', scope: 'payment:refunds:read' });
    expect(decodeJwt(((await own.json()) as { access_token: string }).access_token)).toMatchObject({
      sub: 'cart',
      client_id: 'cart',
      scope: 'payment:refunds:read',
    });
    expect(server.tokenRequests()).toEqual([TOKEN_EXCHANGE, 'client_credentials']);
  });

  it('refuses a wrong secret (401), a bad subject token (400) and a body that is not JSON (400)', async () => {
    const { server, token } = await served();
    expect((await token({ grant_type: 'client_credentials' }, 'wrong')).status).toBe(401);
    expect((await token({ grant_type: TOKEN_EXCHANGE, subject_token: 'nope' })).status).toBe(400);
    const garbage = await fetch(server.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('cart:cart-secret').toString('base64')}` },
      body: '{',
    });
    expect(garbage.status).toBe(400);
  });
});

describe('developmentClientSecret', () => {
  it('is one secret per client under DATA_DIR/clients, the same for every process reading it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'myshop-clients-'));
    const secret = developmentClientSecret(dataDir, 'cart');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(developmentClientSecret(dataDir, 'cart')).toBe(secret);
    expect(developmentClientSecret(dataDir, 'other')).not.toBe(secret);
  });
});
