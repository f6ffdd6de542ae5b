import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runLogDir, runLogFile, writeReliabilityFigure } from '@myshop/testing';
import { describe, expect, it } from 'vitest';
import { fieldTypeConflicts } from '../src/log-field-types.ts';
import { knownTestSecrets, scanLogText, type KnownSecrets } from '../src/log-scan.ts';
import { projectsWithRunLog, projectsWithTests, repoRoot } from '../src/repo.ts';

const secrets: KnownSecrets = {
  passwords: ['correct horse battery'],
  cardNumbers: ['4242424242424242'],
  serviceSecrets: ['cart-client-secret-of-at-least-32-characters'],
};
const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';

describe('the log scanner', () => {
  it.each([
    ['a test password', '{"msg":"login","note":"correct horse battery"}', 'password'],
    ['a password field left unredacted', '{"body":{"password":"hunter2hunter2"}}', 'password'],
    ['a JWT', `{"headers":{"authorization":"Bearer ${jwt}"}}`, 'token'],
    ['an unsigned JWT (alg none)', '{"token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ."}', 'token'],
    ['a known test card', '{"card":"4242424242424242"}', 'card number'],
    ['any branded card number passing Luhn', '{"pan":"5555555555554444"}', 'card number'],
    ['a CVC field', '{"cvc":"123"}', 'cvc'],
    ['a card object with its number', '{"card":{"number":"4000000000000002","cvc":"999"}}', 'card number'],
    ['a card number grouped by spaces, as a client types it', '{"note":"paid with 5555 5555 5555 4444"}', 'card number'],
    ['a card number grouped by dashes', '{"detail":"pan:4000-0000-0000-0002"}', 'card number'],
    ['an American Express number grouped 4-6-5', '{"note":"3782 822463 10005"}', 'card number'],
    [
      'a client secret the tests configure a service with',
      '{"body":{"client_secret":"cart-client-secret-of-at-least-32-characters"}}',
      'secret',
    ],
    ['HTTP Basic credentials', '{"headers":{"authorization":"Basic Y2FydDpjYXJ0LWNsaWVudC1zZWNyZXQ="}}', 'credentials'],
    ['credentials in a URL', '{"err":{"message":"connect ECONNREFUSED postgres://myshop:hunter2hunter2@db:5432/cart"}}', 'credentials'],
    ['a private key', '{"config":{"JWT_PRIVATE_KEY":"-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEI..."}}', 'private key'],
  ])('finds %s', (_name, line, kind) => {
    const findings = scanLogText(`{"msg":"fine"}\n${line}\n`, secrets, 'planted.ndjson');
    expect(findings.map((finding) => finding.kind)).toContain(kind);
    expect(findings[0]!.where).toBe('planted.ndjson:2');
  });

  it('passes what the services really log: redacted fields, ids, times, digits that are no card', () => {
    const clean = [
      '{"level":30,"time":"2026-11-25T13:51:19.000Z","service":"payment","reqId":"6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11","msg":"request completed","responseTime":12.5}',
      '{"level":30,"card":"[redacted]","password":"[redacted]","authorization":"[redacted]"}',
      '{"chargeId":"6f1c1f04-4a57-4a39-9a9e-2b1f0e3b7a11","amount":99999999,"last4":"4242","count":1234567890123}',
      // Ids whose groups are digits, times, and the challenge a 401 answers with.
      '{"orderId":"41111111-1111-4111-8111-111111111111","@timestamp":"2026-12-07T03:24:05.772Z","at":"2026-12-07 03:24:05"}',
      '{"headers":{"www-authenticate":"Basic realm=\\"myshop\\""},"url":"http://127.0.0.1:5432/cart","client_secret":"[redacted]"}',
    ].join('\n');
    expect(scanLogText(clean, secrets, 'clean.ndjson')).toEqual([]);
  });

  it('knows the passwords and card numbers the tests use, from their sources', () => {
    const known = knownTestSecrets();
    expect(known.passwords).toEqual(expect.arrayContaining(['correct horse battery']));
    expect(known.cardNumbers).toEqual(expect.arrayContaining(['4242424242424242', '4000000000000002', '4000000000009995']));
    // What the tests configure the services with: a client secret at user and cart, payment's key.
    expect(known.serviceSecrets).toEqual(
      expect.arrayContaining(['cart-client-secret-of-at-least-32-characters', 'fingerprint-key-for-the-metrics-test-0123456789']),
    );
  });
});

describe('the whole test run', () => {
  const others = projectsWithTests().filter((project) => project !== 'security-checks');
  const logged = projectsWithRunLog().filter((project) => project !== 'security-checks');

  it('runs after every other project with tests (Nx dependsOn), so its logs are complete', () => {
    const project = JSON.parse(readFileSync(join(import.meta.dirname, '../project.json'), 'utf8')) as {
      targets: { test: { dependsOn: Array<{ projects: string[]; target: string }> } };
    };
    const upstream = project.targets.test.dependsOn.filter((entry) => entry.target === 'test').flatMap((entry) => entry.projects);
    expect([...upstream].sort()).toEqual(others);
    // Only the package the shared test config itself stands on runs without the run log.
    expect(others.filter((project) => !logged.includes(project))).toEqual(['embedded-postgres']);
  });

  it('logged no password, token, card number or CVC, in any project', () => {
    const missing = logged.filter((project) => !existsSync(join(runLogDir, `${project}.ndjson`)));
    // Every project's run writes its log (empty if nothing logged): a missing one did not run first.
    expect(missing, 'run through Nx (npm test or nx run security-checks:test), which runs every test project first').toEqual([]);

    const logs = Object.fromEntries(logged.map((project) => [project, readFileSync(join(runLogDir, `${project}.ndjson`), 'utf8')]));
    // The services' logs carry the requests that held passwords, tokens and cards: they were scanned, not skipped.
    expect(logs.user).toContain('/user/login');
    expect(logs.cart).toContain('/cart/checkout');
    expect(logs.payment).toContain('/payment/charges');
    // And the journey through the gateway, each service a process as `npm start` runs it.
    expect(logs.devstack).toContain('/cart/checkout');

    const secrets = knownTestSecrets();
    const findings = logged.flatMap((project) => scanLogText(logs[project]!, secrets, `reports/logs/${project}.ndjson`));
    const lines = Object.values(logs).reduce((sum, text) => sum + text.split('\n').filter(Boolean).length, 0);
    const bytes = readdirSync(runLogDir).reduce((sum, file) => sum + statSync(join(runLogDir, file)).size, 0);
    writeReliabilityFigure({
      check: 'log scan',
      load: `${lines} log lines (${Math.round(bytes / 1024)} KiB) from ${logged.length} projects; ${secrets.passwords.length} test passwords, ${secrets.cardNumbers.length} test cards, ${secrets.serviceSecrets.length} test secrets, any JWT, credentials, private key, PAN or CVC`,
      figure: `${findings.length} secrets found`,
      target: '0',
      pass: findings.length === 0,
    });
    expect(findings.slice(0, 20)).toEqual([]);
    expect(repoRoot).toBeTruthy();
  });

  // The services' lines and the request line of @myshop/server they all write go to one data
  // stream (Fluent Bit's logs-myshop-default), where a field's type is mapped once.
  it('logged each field of the shipped services with one JSON type, and ECS fields as ECS types them', () => {
    const shipped = ['user', 'cart', 'payment', 'server'];
    const sources = shipped.map((project) => ({ name: `reports/logs/${project}.ndjson`, text: readFileSync(runLogFile(project), 'utf8') }));
    const conflicts = fieldTypeConflicts(sources);
    const lines = sources.reduce((sum, source) => sum + source.text.split('\n').filter(Boolean).length, 0);
    writeReliabilityFigure({
      check: 'log field types',
      load: `${lines} log lines of ${shipped.join(', ')}, every field against the others and ECS`,
      figure: `${conflicts.length} fields with two types`,
      target: '0',
      pass: conflicts.length === 0,
    });
    expect(conflicts).toEqual([]);
  });
});
