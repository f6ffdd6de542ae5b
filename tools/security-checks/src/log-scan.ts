/**
 * Scans log text for what must never be logged: the passwords the tests use, any JWT, card
 * numbers and CVCs. The known test secrets are read from the tests themselves, so a new test
 * password or card is scanned for without anyone remembering to add it here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLuhnValid } from '@myshop/schemas';
import { filesUnder, relativeToRepo, repoRoot } from './repo.ts';

export interface KnownSecrets {
  passwords: string[];
  cardNumbers: string[];
}

export interface Finding {
  kind: 'password' | 'token' | 'card number' | 'cvc';
  /** `reports/logs/cart.ndjson:120`. */
  where: string;
  excerpt: string;
}

const PASSWORD_LITERAL = /(?:password|PASSWORD)\w*['"]?\s*[:=]\s*(['"`])([^'"`\n]{8,128})\1/g;
const DIGIT_RUN = /(?<![\d.])\d{12,19}(?![\d.])/g;

/** Passwords and card numbers written in the test sources (and the shared test generators). */
export function knownTestSecrets(root = repoRoot): KnownSecrets {
  const sources = ['apps', 'libs', 'tools'].flatMap((top) =>
    filesUnder(join(root, top), ['.ts']).filter((file) => /\/(test|test-images)\//.test(file) || file.includes('/libs/testing/src/')),
  );
  const passwords = new Set<string>();
  const cardNumbers = new Set<string>();
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    // Placeholders (`${…}`) and the redaction marker itself are no passwords.
    for (const match of text.matchAll(PASSWORD_LITERAL))
      if (!match[2]!.includes('${') && !/^\[\w+\]$/.test(match[2]!)) passwords.add(match[2]!);
    for (const match of text.matchAll(DIGIT_RUN)) if (isLuhnValid(match[0]) && /^[3-6]/.test(match[0])) cardNumbers.add(match[0]);
  }
  return { passwords: [...passwords].sort(), cardNumbers: [...cardNumbers].sort() };
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
    const cvc = CVC_FIELD.exec(line) ?? CARD_OBJECT.exec(line);
    if (cvc) add('cvc', cvc.index);
  });
  return findings;
}

export { relativeToRepo };
