import { httpClient } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { buildUser } from '../helpers.ts';

describe('GET /user/openapi.json', () => {
  it('documents every route with its request and response schemas', async () => {
    const { app } = await buildUser();
    const api = await httpClient(app);
    const response = await api.get('/user/openapi.json');
    expect(response.status).toBe(200);
    const { paths, info } = response.body;
    expect(info.description).toContain('## Who can move money');
    expect(Object.keys(paths).sort()).toEqual([
      '/user/.well-known/jwks.json',
      '/user/login',
      '/user/me',
      '/user/oauth/token',
      '/user/register',
    ]);
    expect(paths['/user/register'].post.requestBody.content['application/json'].schema.required).toEqual(['email', 'password', 'name']);
    expect(Object.keys(paths['/user/register'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
    expect(paths['/user/me'].get.security).toEqual([{ bearerAuth: [] }]);
  });

  it('documents the token endpoint as it is: a form or JSON body, HTTP Basic or credentials in the body', async () => {
    const { app } = await buildUser();
    const api = await httpClient(app);
    const { paths, components } = (await api.get('/user/openapi.json')).body;
    const token = paths['/user/oauth/token'].post;
    const { content } = token.requestBody;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    // The same schema for both encodings (one validator checks both).
    expect(content['application/x-www-form-urlencoded'].schema).toEqual(content['application/json'].schema);
    expect(content['application/json'].schema.required).toEqual(['grant_type', 'audience', 'scope']);
    expect(content['application/json'].schema.additionalProperties).toBe(false);
    // Basic, or no HTTP authentication (client_id and client_secret in the body).
    expect(token.security).toEqual([{ clientBasic: [] }, {}]);
    expect(components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      clientBasic: { type: 'http', scheme: 'basic' },
    });
    // /me keeps its own scheme.
    expect(paths['/user/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(token.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '413', '415']));
  });
});
