import formBody from '@fastify/formbody';
import { accessTokenVerifyOptions, authorizationHeaderCount, refuseMalformedIdentifiers, requireKeyId } from '@myshop/auth';
import { errorResponses } from '@myshop/schemas';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { UserConfig } from '../config.ts';
import { InvalidClientError, InvalidGrantError, InvalidScopeError, InvalidTargetError } from '../errors.ts';
import { ACCESS_TOKEN_TOKEN_TYPE, TOKEN_EXCHANGE, TokenGrant, TokenRequest } from '../schemas.ts';
import { secretMatches, serviceClients, type ServiceClient } from '../service-clients.ts';

/** A token request is a few hundred bytes, a subject token at most 8 KiB. */
const FORM_BODY_LIMIT_BYTES = 16_384;

/** The OpenAPI security scheme of client authentication by HTTP Basic (client_secret_basic), declared by the app. */
export const CLIENT_BASIC_SCHEME = { clientBasic: { type: 'http', scheme: 'basic' } } as const;

/**
 * The token endpoint for services: a service gets a token for another service, as itself
 * (client credentials) or on behalf of a signed-in user by exchanging that user's access token
 * (RFC 8693). The user's token never travels further than the service it was given to.
 */
export const tokenRoute: FastifyPluginAsyncTypebox<{ config: UserConfig }> = async (app, { config }) => {
  const clients = serviceClients(config);
  // OAuth clients send forms; JSON is accepted too. Only this route parses forms. The route's own
  // limit says the same: the platform reads (drains) an oversize body against the route's limit
  // before its 413, and a parser limit below it would refuse the body unread (a reset connection).
  const bodyLimit = Math.min(FORM_BODY_LIMIT_BYTES, config.BODY_LIMIT_BYTES);
  await app.register(formBody, { bodyLimit });

  const authenticateClient = (request: FastifyRequest, reply: FastifyReply, body: TokenRequest): ServiceClient => {
    // Two Authorization headers are two credentials (Node would keep the first unseen): like
    // malformed ones, they authenticate nobody.
    const basic = authorizationHeaderCount(request.raw.rawHeaders) > 1 ? MALFORMED : basicCredentials(request.headers.authorization);
    // A client_id alone beside Basic naming the same client identifies, it does not authenticate
    // (RFC 6749 §3.2.1): some clients always send it.
    const sameIdAsBasic = typeof basic === 'object' && body.client_id === basic.id && body.client_secret === undefined;
    const fromBody = (body.client_id !== undefined || body.client_secret !== undefined) && !sameIdAsBasic;
    // Any Basic header is an attempt at Basic: a malformed one, or one beside credentials in the
    // body, authenticates nobody (the body's credentials never stand in for it).
    const credentials =
      basic === undefined
        ? fromBody
          ? { id: body.client_id ?? '', secret: body.client_secret ?? '' }
          : undefined
        : basic === MALFORMED || fromBody
          ? undefined
          : basic;
    const client = credentials && clients.get(credentials.id);
    // One answer for an unknown client, a wrong secret, malformed Basic credentials and two ways
    // of authenticating at once.
    if (!client || !secretMatches(client, credentials.secret)) {
      // Only a client of ours is named: an unknown id is whatever the caller wrote there, a
      // secret pasted into the wrong field among them, and as long as a header may be.
      request.log.warn({ clientId: client ? client.id : undefined }, 'token request with bad client credentials');
      reply.header('www-authenticate', 'Basic realm="myshop"');
      throw new InvalidClientError();
    }
    return client;
  };

  app.post(
    '/oauth/token',
    {
      bodyLimit,
      preValidation: async (request) => {
        if (request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
          request.body = withoutIgnoredParameters(request.body);
        }
      },
      schema: {
        summary: 'A token for a service to call another service (client credentials, token exchange)',
        description:
          'For services, not shoppers. Client authentication by HTTP Basic (client_secret_basic) or ' +
          'client_id and client_secret in the body, not both. With grant_type token-exchange, subject_token is ' +
          'the signed-in user’s access token and the token issued acts for that user (act.sub names ' +
          'the service), expiring no later than it. In a form, a parameter it does not know, or one sent empty, is ' +
          'ignored (RFC 6749 §3.2); one sent twice is 400. Errors keep the service’s error shape, with codes ' +
          'named after OAuth’s (USER_INVALID_CLIENT, USER_INVALID_GRANT, USER_INVALID_SCOPE, USER_INVALID_TARGET).',
        tags: ['tokens'],
        // One schema validates every body, whatever its encoding: documented for both that parse.
        // (A per-media-type `body.content` would skip validation for a body of another type, or none.)
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        // HTTP Basic, or no HTTP authentication at all: the credentials are then in the body.
        security: [{ clientBasic: [] }, {}],
        response: {
          200: {
            ...TokenGrant,
            headers: { pragma: { type: 'string', const: 'no-cache', description: 'For HTTP/1.0 caches (RFC 6749 §5.1)' } },
          },
          ...errorResponses(400, 401, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const client = authenticateClient(request, reply, body);
      if (body.audience !== client.audience) throw new InvalidTargetError(body.audience);
      const exchange = body.grant_type === TOKEN_EXCHANGE;
      const scopes = [...new Set(body.scope.split(' '))];
      const allowed = exchange ? client.onBehalfOfUser : client.asItself;
      const refused = scopes.find((scope) => !allowed.includes(scope));
      if (refused) throw new InvalidScopeError(refused);

      const onBehalfOf = exchange ? await verifySubjectToken(body, config, app.tokens.keySet) : undefined;
      const token = await app.tokens.issueForService({ clientId: client.id, audience: client.audience, scopes, onBehalfOf });
      request.log.info({ clientId: client.id, audience: client.audience, scopes, userId: onBehalfOf?.userId }, 'service token issued');
      // Tokens are credentials: never cached anywhere, HTTP/1.0 caches included (RFC 6749 §5.1).
      reply.header('cache-control', 'no-store');
      reply.header('pragma', 'no-cache');
      return {
        access_token: token.accessToken,
        issued_token_type: ACCESS_TOKEN_TOKEN_TYPE,
        token_type: 'Bearer' as const,
        expires_in: token.expiresIn,
        scope: scopes.join(' '),
      };
    },
  );
};

/**
 * A JWS in compact form, three base64url parts (RFC 7515 §7.1), as the user service issues them.
 * jose decodes base64url past white space, so a token with a blank or a line break inside would
 * verify: one token, spelled many ways, which no cache or log keyed by the token would know again.
 */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Only a shopper's live access token may be exchanged: the audience check refuses a service
 * token (no re-delegation) and anything else we signed.
 */
async function verifySubjectToken(body: TokenRequest, config: UserConfig, keys: JWTVerifyGetKey) {
  if (!body.subject_token || body.subject_token_type !== ACCESS_TOKEN_TOKEN_TYPE || !COMPACT_JWS.test(body.subject_token)) {
    throw new InvalidGrantError();
  }
  const { payload } = await jwtVerify(
    body.subject_token,
    requireKeyId(keys),
    accessTokenVerifyOptions(config.JWT_ISSUER, config.JWT_AUDIENCE),
  )
    .then((verified) => {
      refuseMalformedIdentifiers(verified.payload);
      // The clock tolerance is for another replica's clock; past its exp by ours, the token
      // issued for it would be expired already.
      if (verified.payload.exp! <= Date.now() / 1000) throw new InvalidGrantError();
      return verified;
    })
    .catch(() => {
      // Our own keys, in memory: the only way to fail is a token that is not good.
      throw new InvalidGrantError();
    });
  return { userId: String(payload.sub), expiresAt: payload.exp! };
}

const TOKEN_PARAMETERS = new Set(Object.keys(TokenRequest.properties));

/**
 * RFC 6749 §3.2: a parameter sent without a value is as if omitted, and an unrecognised one is
 * ignored (an extension's, such as RFC 8707's `resource`). A repeated one is still refused: the
 * form parser makes it an array, which the schema refuses.
 */
function withoutIgnoredParameters<Form>(form: Form): Form {
  if (form === null || typeof form !== 'object') return form;
  // Not validated yet: the schema judges what is left.
  return Object.fromEntries(Object.entries(form).filter(([name, value]) => TOKEN_PARAMETERS.has(name) && value !== '')) as Form;
}

const MALFORMED = Symbol('malformed Basic credentials');

/**
 * RFC 6749 §2.3.1: `Basic base64(urlencode(id):urlencode(secret))`. Undefined without a Basic
 * header (none, or another scheme); MALFORMED for a Basic header that does not hold credentials.
 */
function basicCredentials(header: string | undefined): { id: string; secret: string } | typeof MALFORMED | undefined {
  // The scheme is a case-insensitive token (RFC 9110 §11.1): `Basic` followed by anything but a token character.
  if (!/^Basic(?![-!#$%&'*+.^_`|~0-9A-Za-z])/i.test(header ?? '')) return undefined;
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header!);
  if (!match) return MALFORMED;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return MALFORMED;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')),
    };
  } catch {
    return MALFORMED;
  }
}
