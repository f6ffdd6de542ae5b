import { SANDBOX_CARDS } from '@myshop/schemas';

/**
 * Card checks and the sandbox processor. Nothing here keeps or logs a card: callers get back
 * only what may be stored (brand, last 4 digits) and an outcome.
 */
export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'unknown';

export type FailureCode = 'card_declined' | 'insufficient_funds' | 'expired_card';

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** Issuer identification number ranges, most specific first. */
const BRAND_RANGES: Array<[CardBrand, Array<[number, number]>]> = [
  [
    'amex',
    [
      [34, 34],
      [37, 37],
    ],
  ],
  [
    'diners',
    [
      [300, 305],
      [36, 36],
      [38, 39],
    ],
  ],
  ['jcb', [[3528, 3589]]],
  [
    'discover',
    [
      [6011, 6011],
      [622126, 622925],
      [644, 649],
      [65, 65],
    ],
  ],
  [
    'unionpay',
    [
      [62, 62],
      [81, 81],
    ],
  ],
  [
    'mastercard',
    [
      [51, 55],
      [2221, 2720],
    ],
  ],
  ['visa', [[4, 4]]],
];

export function cardBrand(number: string): CardBrand {
  for (const [brand, ranges] of BRAND_RANGES) {
    for (const [low, high] of ranges) {
      const digits = String(low).length;
      const prefix = Number(number.slice(0, digits));
      if (number.length >= digits && prefix >= low && prefix <= high) return brand;
    }
  }
  return 'unknown';
}

/** The card as it may be stored and shown. */
export function describeCard(number: string): { brand: CardBrand; last4: string } {
  return { brand: cardBrand(number), last4: number.slice(-4) };
}

/** A card is good until the end of its expiry month (UTC). */
export function isExpired(card: Pick<CardInput, 'expMonth' | 'expYear'>, now: Date): boolean {
  const year = now.getUTCFullYear();
  return card.expYear < year || (card.expYear === year && card.expMonth < now.getUTCMonth() + 1);
}

/** Test numbers with a fixed answer, as payment providers' sandboxes have them. */
const SANDBOX_DECLINES = new Map<string, FailureCode>([
  [SANDBOX_CARDS.declined, 'card_declined'],
  [SANDBOX_CARDS.insufficientFunds, 'insufficient_funds'],
]);

export type Authorization = { approved: true } | { approved: false; failureCode: FailureCode };

/**
 * The sandbox processor: an expired card is refused first, then the test numbers that always
 * decline; every other valid number is approved.
 */
export function authorize(card: CardInput, now: Date): Authorization {
  if (isExpired(card, now)) return { approved: false, failureCode: 'expired_card' };
  const failureCode = SANDBOX_DECLINES.get(card.number);
  return failureCode ? { approved: false, failureCode } : { approved: true };
}
