/**
 * Scans log text for what must never be logged: the passwords, client secrets and keys the tests
 * use, any JWT, HTTP Basic or URL credentials, private keys, card numbers (grouped as a client
 * types them, too) and CVCs. The known test secrets are read from the tests themselves, so a new
 * test password, secret or card is scanned for without anyone remembering to add it here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLuhnValid } from '@myshop/schemas';
import { filesUnder, relativeToRepo, repoRoot } from './repo.ts';

export interface KnownSecrets {
  passwords: string[];
  cardNumbers: string[];
  /** What the tests configure the services with: client secrets, payment's fingerprint key. */
  serviceSecrets: string[];
}

export interface Finding {
  kind: 'password' | 'token' | 'card number' | 'cvc' | 'secret' | 'credentials' | 'private key';
  /** `reports/logs/cart.ndjson:120`. */
  where: string;
  excerpt: string;
}

const PASSWORD_LITERAL = /(?:password|PASSWORD)\w*['"]?\s*[:=]\s*(['"`])([^'"`\n]{8,128})\1/g;
const DIGIT_RUN = /(?<![\d.])\d{12,19}(?![\d.])/g;
/** `CLIENT_SECRET: '…'`, `CART_SECRET = '…'`, `IDEMPOTENCY_FINGERPRINT_KEY: '…'`: long enough to be one. */
const SERVICE_SECRET_LITERAL = /(?:secret|fingerprint_key)\w*['"]?\s*[:=]\s*(['"`])([^'"`\n]{16,256})\1/gi;

/** Passwords and card numbers written in the test sources (and the shared test generators). */
export function knownTestSecrets(root = repoRoot): KnownSecrets {
  const sources = ['apps', 'libs', 'tools'].flatMap((top) =>
    filesUnder(join(root, top), ['.ts']).filter((file) => /\/(test|test-images)\//.test(file) || file.includes('/libs/testing/src/')),
  );
  const passwords = new Set<string>();
  const cardNumbers = new Set<string>();
  const serviceSecrets = new Set<string>();
  // Placeholders (`${…}`) and the redaction marker itself are no secrets.
  const literal = (value: string) => !value.includes('${') && !/^\[\w+\]$/.test(value);
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(PASSWORD_LITERAL)) if (literal(match[2]!)) passwords.add(match[2]!);
    for (const match of text.matchAll(SERVICE_SECRET_LITERAL)) if (literal(match[2]!)) serviceSecrets.add(match[2]!);
    for (const match of text.matchAll(DIGIT_RUN)) if (isLuhnValid(match[0]) && /^[3-6]/.test(match[0])) cardNumbers.add(match[0]);
  }
  return { passwords: [...passwords].sort(), cardNumbers: [...cardNumbers].sort(), serviceSecrets: [...serviceSecrets].sort() };
}

/** Header and payload of a JWT both start `eyJ` (base64url of `{"`); the signature may be empty (alg none). */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/;
/** A card number of a known brand in any digit run: Visa, Mastercard, Amex, Discover, JCB, Diners. */
const BRANDED_PAN =
  /^(?:4\d{12}(?:\d{3})?(?:\d{3})?|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}|3[47]\d{13}|6(?:011|5\d{2})\d{12,15}|35\d{14}|3(?:0[0-5]|[68]\d)\d{11,16})$/;
/** A CVC (or the card object) as a field with a value: redaction replaces both with "[redacted]". */
const CVC_FIELD = /"(?:cvc|cvv|cvc2|securityCode)"\s*:\s*"?\d{3,4}/i;
const CARD_OBJECT = /"card"\s*:\s*\{[^}]*"(?:number|cvc)"\s*:\s*"?\d/;
const PASSWORD_FIELD = /"(?:password|newPassword|currentPassword)"\s*:\s*"(?!\[redacted\]")/;
/**
 * A card number as a client types it, in groups of four (Amex: 4, 6, 5) split by spaces or
 * dashes, not inside a longer word; canonical UUIDs are taken out first, whose groups of digits
 * alone can read as one.
 */
const GROUPED_PAN = /(?<![\w-])\d{4}([ -])(?:\d{4}\1\d{4}\1\d{1,7}|\d{6}\1\d{5})(?![\w-])/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** `Authorization: Basic <base64 of id:secret>`; the challenge (`Basic realm=…`) is none. */
const BASIC_CREDENTIALS = /\bBasic\s+(?!realm\b)[A-Za-z0-9+/]{8,}={0,2}/;
/** `scheme://user:password@host`, the password not censored. */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:(?!\[redacted\]@)[^@\s"/]+@/i;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Everything in `text` (one log, line by line) that looks like a secret. `source` names it in findings. */
export function scanLogText(text: string, secrets: KnownSecrets, source: string): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `${source}:${index + 1}`;
    const add = (kind: Finding['kind'], at: number) => findings.push({ kind, where, excerpt: line.slice(Math.max(0, at - 60), at + 60) });
    for (const password of secrets.passwords) {
      if (/^\d+$/.test(password)) {
        // A password of digits only counts as a whole number, not inside a longer one.
        const at = line.search(new RegExp(`(?<!\\d)${password}(?!\\d)`));
        if (at >= 0) add('password', at);
        continue;
      }
      for (const form of new Set([password, JSON.stringify(password).slice(1, -1)])) {
        const at = line.indexOf(form);
        if (at >= 0) add('password', at);
      }
    }
    const passwordField = PASSWORD_FIELD.exec(line);
    if (passwordField) add('password', passwordField.index);
    const jwt = JWT.exec(line);
    if (jwt) add('token', jwt.index);
    for (const card of secrets.cardNumbers) {
      const at = line.indexOf(card);
      if (at >= 0) add('card number', at);
    }
    for (const match of line.matchAll(DIGIT_RUN)) {
      if (BRANDED_PAN.test(match[0]) && isLuhnValid(match[0]) && !secrets.cardNumbers.includes(match[0])) add('card number', match.index);
    }
    // Same length as the line: a finding's excerpt is where it stands.
    for (const match of line.replace(UUID, (uuid) => 'x'.repeat(uuid.length)).matchAll(GROUPED_PAN)) {
      const digits = match[0].replace(/\D/g, '');
      if (BRANDED_PAN.test(digits) && isLuhnValid(digits)) add('card number', match.index);
    }
    for (const secret of secrets.serviceSecrets) {
      const at = line.indexOf(secret);
      if (at >= 0) add('secret', at);
    }
    for (const pattern of [BASIC_CREDENTIALS, URL_CREDENTIALS]) {
      const credentials = pattern.exec(line);
      if (credentials) add('credentials', credentials.index);
    }
    const privateKey = PRIVATE_KEY.exec(line);
    if (privateKey) add('private key', privateKey.index);
    const cvc = CVC_FIELD.exec(line) ?? CARD_OBJECT.exec(line);
    if (cvc) add('cvc', cvc.index);
  });
  return findings;
}

export { relativeToRepo };
