import { describe, expect, it } from 'vitest';
import { authConfigProblems } from '../src/index.ts';

describe('authConfigProblems', () => {
  it('finds nothing wrong with a JWKS_URL the URL parser reads', () => {
    expect(authConfigProblems({ JWKS_URL: 'http://user-service/user/.well-known/jwks.json' })).toEqual([]);
    expect(authConfigProblems({ JWKS_URL: 'https://keys.example.com:8443/jwks.json' })).toEqual([]);
  });

  it.each(['http://', 'http://:80/jwks.json', 'http://user-service:99999/jwks.json'])(
    'names JWKS_URL for %s, which the schema’s uri format lets through',
    (url) => {
      expect(authConfigProblems({ JWKS_URL: url })).toEqual([['JWKS_URL', expect.stringContaining('URL with a host')]]);
    },
  );

  it('names JWKS_URL when it holds credentials, which fetch refuses: every signed-in request would be 503, the password logged', () => {
    expect(authConfigProblems({ JWKS_URL: 'http://keys:s3cret@user-service/user/.well-known/jwks.json' })).toEqual([
      ['JWKS_URL', expect.stringContaining('credentials')],
    ]);
    expect(authConfigProblems({ JWKS_URL: 'https://keys@keys.example.com/jwks.json' })).toEqual([
      ['JWKS_URL', expect.stringContaining('credentials')],
    ]);
  });
});
