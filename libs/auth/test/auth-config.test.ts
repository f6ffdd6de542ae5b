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
});
