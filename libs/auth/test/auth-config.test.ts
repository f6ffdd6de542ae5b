import { describe, expect, it } from 'vitest';
import { audienceProblems, authConfigProblems, PAYMENT_AUDIENCE } from '../src/index.ts';

const AUDIENCE = 'myshop';

describe('authConfigProblems', () => {
  it('finds nothing wrong with a JWKS_URL the URL parser reads', () => {
    expect(authConfigProblems({ JWKS_URL: 'http://user-service/user/.well-known/jwks.json', JWT_AUDIENCE: AUDIENCE })).toEqual([]);
    expect(authConfigProblems({ JWKS_URL: 'https://keys.example.com:8443/jwks.json', JWT_AUDIENCE: AUDIENCE })).toEqual([]);
  });

  it.each(['http://', 'http://:80/jwks.json', 'http://user-service:99999/jwks.json'])(
    'names JWKS_URL for %s, which the schema’s uri format lets through',
    (url) => {
      expect(authConfigProblems({ JWKS_URL: url, JWT_AUDIENCE: AUDIENCE })).toEqual([
        ['JWKS_URL', expect.stringContaining('URL with a host')],
      ]);
    },
  );

  it('names JWKS_URL when it holds credentials, which fetch refuses: every signed-in request would be 503, the password logged', () => {
    expect(authConfigProblems({ JWKS_URL: 'http://keys:s3cret@user-service/user/.well-known/jwks.json', JWT_AUDIENCE: AUDIENCE })).toEqual([
      ['JWKS_URL', expect.stringContaining('credentials')],
    ]);
    expect(authConfigProblems({ JWKS_URL: 'https://keys@keys.example.com/jwks.json', JWT_AUDIENCE: AUDIENCE })).toEqual([
      ['JWKS_URL', expect.stringContaining('credentials')],
    ]);
  });

  it('names JWT_AUDIENCE when it is the audience of the tokens minted for payment, and the URL too when both are wrong', () => {
    expect(authConfigProblems({ JWKS_URL: 'http://user-service/user/.well-known/jwks.json', JWT_AUDIENCE: PAYMENT_AUDIENCE })).toEqual([
      ['JWT_AUDIENCE', expect.stringContaining('minted for the payment service')],
    ]);
    expect(authConfigProblems({ JWKS_URL: 'http://', JWT_AUDIENCE: PAYMENT_AUDIENCE }).map(([key]) => key)).toEqual([
      'JWKS_URL',
      'JWT_AUDIENCE',
    ]);
  });
});

describe('audienceProblems', () => {
  it('takes any public audience but the one of the tokens minted for payment', () => {
    expect(audienceProblems({ JWT_AUDIENCE: 'myshop' })).toEqual([]);
    expect(audienceProblems({ JWT_AUDIENCE: 'https://api.myshop.com' })).toEqual([]);
    expect(audienceProblems({ JWT_AUDIENCE: PAYMENT_AUDIENCE })).toEqual([
      ['JWT_AUDIENCE', 'must not be "payment", the audience of the tokens minted for the payment service'],
    ]);
  });
});
