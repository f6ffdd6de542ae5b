import { describe, expect, it } from 'vitest';
import { serviceUrlProblems } from '../src/index.ts';

describe('serviceUrlProblems', () => {
  it.each(['http://payment-service', 'https://keys.example.com:8443/jwks.json'])('finds nothing wrong with %s', (url) => {
    expect(serviceUrlProblems('SOME_URL', url)).toEqual([]);
  });

  // Each passes Ajv's `uri` format.
  it.each(['ftp://payment-service', 'http://', 'http://:80/x', 'http://user-service:99999/x'])('names the key for %s', (url) => {
    expect(serviceUrlProblems('SOME_URL', url)).toEqual([['SOME_URL', expect.stringContaining('URL with a host')]]);
  });

  it.each(['http://cart:hunter2@payment-service', 'https://keys@keys.example.com/jwks.json'])('refuses credentials in %s', (url) => {
    const problems = serviceUrlProblems('SOME_URL', url);
    expect(problems).toEqual([['SOME_URL', expect.stringContaining('no credentials')]]);
    expect(problems.join()).not.toContain('hunter2');
  });
});
