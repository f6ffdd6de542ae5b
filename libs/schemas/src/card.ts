import { Type, type Static } from 'typebox';

/**
 * A payment card as a client sends it, to payment's charges and to cart's checkout alike: one
 * definition, so that a card cart accepts is never one payment refuses as malformed.
 */
export const CardDetails = Type.Object(
  {
    /** Digits only; the Luhn check comes after the schema, as a coded 400 of the service. */
    number: Type.String({ pattern: '^[0-9]{12,19}$' }),
    expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
    /** Four digits; a year in the past is a decline (expired_card), not a malformed request. */
    expYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
    cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
  },
  { additionalProperties: false },
);
export type CardDetails = Static<typeof CardDetails>;

/**
 * The payment sandbox's test cards, as payment providers' sandboxes have them: one approved, two
 * always declined with their processor codes. (Any past expiry is declined as expired_card.)
 */
export const SANDBOX_CARDS = {
  approved: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
} as const;

/**
 * A sandbox card as a client sends it, good until December of next year: what the tests, the
 * journey, the reliability checks and the bench pay with (approved unless another number is given).
 */
export function sandboxCard(number: string = SANDBOX_CARDS.approved): CardDetails {
  return { number, expMonth: 12, expYear: new Date().getUTCFullYear() + 1, cvc: '123' };
}

/** The Luhn (mod 10) checksum every payment card number carries in its last digit (ISO/IEC 7812). */
export function isLuhnValid(number: string): boolean {
  if (!/^\d+$/.test(number)) return false;
  let sum = 0;
  for (let index = 0; index < number.length; index += 1) {
    let digit = Number(number[number.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * Whether a client's card number can be a payment card: its first digit names an industry that
 * issues cards (ISO/IEC 7812 gives 0 to none, so `000000000000` passes the Luhn check but is no
 * card) and its check digit is right.
 */
export function isCardNumberValid(number: string): boolean {
  return !number.startsWith('0') && isLuhnValid(number);
}

/** What may group a card number's digits: one white space, dash, dot, underscore or slash. */
const SEPARATOR = String.raw`[\s._/-]`;

/**
 * Runs of digits, maybe grouped by single separators, that no letter or digit touches: a run
 * inside an id (a UUID's hex groups, `ab12-3456…`) is part of the id, never a card number.
 */
const DIGIT_RUN = new RegExp(String.raw`(?<![\dA-Za-z]|\d${SEPARATOR})\d(?:${SEPARATOR}?\d)*(?![\dA-Za-z]|${SEPARATOR}\d)`, 'g');
const SEPARATORS = new RegExp(SEPARATOR, 'g');

/**
 * A UUID in its canonical form that no letter or digit touches: an id (cart's order ids are in
 * every charge's description and metadata, request ids in every log line). Its hex groups are no
 * card number even where the last ones happen to be all digits (`…-468e-8131-324571095776`:
 * about one random UUID in 1,700, one in 13,000 passing the check together), which the letter
 * rule above cannot see. Also what the log redaction reads as one word (@myshop/logging).
 */
export const UUID_IN_TEXT = /(?<![\dA-Za-z])[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}(?![\dA-Za-z])/gi;

/** A decimal digit of any script but ASCII's (`٤` Arabic-Indic, `४` Devanagari…). */
const NON_ASCII_DIGIT = /(?![0-9])\p{Nd}/gu;
const DIGIT = /^\p{Nd}$/u;

/**
 * Its value: Unicode assigns decimal digits only in runs of ten, 0 to 9 in order, so a digit's
 * value is how many digits precede it in its run, modulo ten (runs may abut).
 */
function decimalValue(digit: string): number {
  const codePoint = digit.codePointAt(0)!;
  let before = 0;
  while (DIGIT.test(String.fromCodePoint(codePoint - before - 1))) before += 1;
  return before % 10;
}

/**
 * The text as a card-data scan reads it: compatibility forms made plain (`４` full-width, `𝟒`,
 * a no-break space as a space) and every decimal digit, of any script, written in ASCII.
 */
function asScanned(text: string): string {
  return text.normalize('NFKC').replaceAll(NON_ASCII_DIGIT, (digit) => String(decimalValue(digit)));
}

/**
 * Whether free text (a description, a label) holds what may be a card number: 13 to 19 digits
 * that pass the Luhn check, written together or grouped by single separators (`4242 4242 4242
 * 4242`, `4242.4242…`), in digits of any script, in a run of digits no letter touches. Each run
 * is judged whole, by its groups, and by its groups joined from its start or to its end (19
 * digits at most), so a longer reference number is not one but a card number with its expiry or
 * a count beside it is (`4242 4242 4242 4242 12/28`). A Luhn-valid run by chance is refused too,
 * as card-data discovery tools do.
 */
export function containsCardNumber(text: string): boolean {
  // Each UUID stands as one letter: digits beside it are judged as beside any word.
  for (const [run] of asScanned(text).replaceAll(UUID_IN_TEXT, 'x').matchAll(DIGIT_RUN)) {
    const groups = run.split(SEPARATORS);
    // The whole run is the last of its groups joined from the start, when it is short enough to be one.
    const candidates = [...groups, ...joinedUpTo19(groups), ...joinedUpTo19(groups.toReversed(), true)];
    if (candidates.some((digits) => digits.length >= 13 && digits.length <= 19 && isLuhnValid(digits))) return true;
  }
  return false;
}

/** The groups joined from the first, one more each time, while 19 digits or fewer (`reversed`: from the last). */
function joinedUpTo19(groups: string[], reversed = false): string[] {
  const joined: string[] = [];
  let digits = '';
  for (const group of groups) {
    digits = reversed ? group + digits : digits + group;
    if (digits.length > 19) break;
    joined.push(digits);
  }
  return joined;
}
