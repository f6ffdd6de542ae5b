import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody } from '@myshop/errors';
import { jwtVerify } from 'jose';
import { ACCESS_TOKEN_TYPE } from '../token-contract.ts';
import type { TestIssuer } from './test-issuer.ts';

export interface ServedIssuer {
  /** As JWKS_URL names it: `http://127.0.0.1:<port>/user/.well-known/jwks.json`. */
  jwksUrl: string;
  /** As TOKEN_URL names it: `http://127.0.0.1:<port>/user/oauth/token`. */
  tokenUrl: string;
  /** Token requests answered so far, by grant type. */
  tokenRequests(): string[];
  close(): Promise<void>;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * A test issuer served over HTTP the way the user service serves it, for a service that runs as
 * in production: its key set, and its token endpoint for the given service clients (client id →
 * secret). The endpoint exchanges a shopper's token for a service token acting for that shopper,
 * or gives a client a token for itself, like the real one; it checks the client's credentials and
 * the subject token, not which scopes a client may have. Close it when done.
 */
export async function serveIssuer(issuer: TestIssuer, clients: Record<string, string> = {}): Promise<ServedIssuer> {
  const requests: string[] = [];
  const jwks = JSON.stringify(issuer.jwks);
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'GET' && request.url === '/user/.well-known/jwks.json') return send(200, JSON.parse(jwks));
    if (request.method !== 'POST' || request.url !== '/user/oauth/token')
      return send(404, errorBody(404, 'NOT_FOUND', `Route ${request.method} ${request.url} not found`));
    tokenGrant(request).then(
      ([status, body]) => send(status, body),
      () => send(400, errorBody(400, 'FST_ERR_VALIDATION', 'The token request is malformed')),
    );
  });

  async function tokenGrant(request: IncomingMessage): Promise<[number, unknown]> {
    const body = JSON.parse(await readBody(request)) as Record<string, string>;
    const [id, secret] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':');
    if (!id || clients[decodeURIComponent(id)] !== decodeURIComponent(secret ?? '')) {
      return [401, errorBody(401, 'USER_INVALID_CLIENT', 'Client authentication failed')];
    }
    const clientId = decodeURIComponent(id);
    requests.push(body.grant_type!);
    const options = { scope: body.scope!, audience: body.audience, actor: clientId, expiresIn: '5m' };
    if (body.grant_type === TOKEN_EXCHANGE) {
      const subject = await jwtVerify(body.subject_token ?? '', issuer.keys, { audience: issuer.audience, typ: ACCESS_TOKEN_TYPE }).catch(
        () => undefined,
      );
      if (!subject) return [400, errorBody(400, 'USER_INVALID_GRANT', 'The subject token is invalid or expired')];
      return [200, grant(await issuer.signService(String(subject.payload.sub), options), body.scope!)];
    }
    return [200, grant(await issuer.signClient(clientId, options), body.scope!)];
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    jwksUrl: `${origin}/user/.well-known/jwks.json`,
    tokenUrl: `${origin}/user/oauth/token`,
    tokenRequests: () => [...requests],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function grant(token: string, scope: string) {
  return {
    access_token: token,
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    token_type: 'Bearer',
    expires_in: 300,
    scope,
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
