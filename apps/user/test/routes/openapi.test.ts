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
});
