import { SANDBOX_CARDS } from '@myshop/schemas';
import { describe, expect, it } from 'vitest';
import { authorize, cardBrand, describeCard, isExpired } from '../src/cards.ts';

describe('cardBrand', () => {
  it.each([
    ['4111111111111111', 'visa'],
    ['5105105105105100', 'mastercard'],
    ['2220999999999999', 'unknown'],
    ['2221000000000009', 'mastercard'],
    ['2720999999999996', 'mastercard'],
    ['2721000000000000', 'unknown'],
    ['340000000000009', 'amex'],
    ['6445644564456445', 'discover'],
    ['6500000000000002', 'discover'],
    ['6221260000000000', 'discover'],
    ['6229260000000000', 'unionpay'],
    ['8100000000000000', 'unionpay'],
    ['30569309025904', 'diners'],
    ['38520000023237', 'diners'],
    // Each end of a range holds: diners' 300-305, jcb's 3528-3589, discover's 622126 after unionpay's 62.
    ['3059000000000000', 'diners'],
    ['3060000000000000', 'unknown'],
    ['3528000000000007', 'jcb'],
    ['3589000000000000', 'jcb'],
    ['3590000000000000', 'unknown'],
    ['6221250000000000', 'unionpay'],
    ['1234567812345670', 'unknown'],
    // Beside visa's single digit: 3 and 5 start other brands' ranges or none.
    ['3111111111111117', 'unknown'],
    ['5011111111111111', 'unknown'],
  ])('%s is %s', (number, brand) => {
    expect(cardBrand(number)).toBe(brand);
  });
});

describe('describeCard', () => {
  it('keeps only the brand and the last four digits', () => {
    expect(describeCard('4242424242424242')).toEqual({ brand: 'visa', last4: '4242' });
  });
});

describe('isExpired', () => {
  const now = new Date('2030-06-15T12:00:00Z');

  it.each([
    [6, 2030, false],
    [7, 2030, false],
    [1, 2031, false],
    [5, 2030, true],
    [12, 2029, true],
  ])('a card expiring %i/%i on 15 June 2030: expired %s', (expMonth, expYear, expired) => {
    expect(isExpired({ expMonth, expYear }, now)).toBe(expired);
  });

  it('keeps a card valid through the last moment of its expiry month (UTC)', () => {
    expect(isExpired({ expMonth: 6, expYear: 2030 }, new Date('2030-06-30T23:59:59.999Z'))).toBe(false);
    expect(isExpired({ expMonth: 6, expYear: 2030 }, new Date('2030-07-01T00:00:00.000Z'))).toBe(true);
  });

  it('reads the month and year in UTC, whatever time zone the process runs in', () => {
    const zone = process.env.TZ;
    // UTC+14: at noon UTC on the last day of a month it is already the next month, and year, there.
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      expect(new Date('2030-12-31T12:00:00Z').getFullYear()).toBe(2031);
      expect(isExpired({ expMonth: 12, expYear: 2030 }, new Date('2030-12-31T12:00:00Z'))).toBe(false);
      expect(isExpired({ expMonth: 6, expYear: 2030 }, new Date('2030-06-30T12:00:00Z'))).toBe(false);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe('authorize (the sandbox processor)', () => {
  const now = new Date('2030-06-15T12:00:00Z');
  const card = (number: string, expYear = 2031) => ({ number, expMonth: 1, expYear, cvc: '123' });

  it('approves ordinary valid numbers', () => {
    expect(authorize(card(SANDBOX_CARDS.approved), now)).toEqual({ approved: true });
    expect(authorize(card('5555555555554444'), now)).toEqual({ approved: true });
  });

  it('declines the test numbers with their codes', () => {
    expect(authorize(card(SANDBOX_CARDS.declined), now)).toEqual({ approved: false, failureCode: 'card_declined' });
    expect(authorize(card(SANDBOX_CARDS.insufficientFunds), now)).toEqual({ approved: false, failureCode: 'insufficient_funds' });
  });

  it('refuses an expired card before anything else', () => {
    expect(authorize(card(SANDBOX_CARDS.approved, 2029), now)).toEqual({ approved: false, failureCode: 'expired_card' });
    expect(authorize(card(SANDBOX_CARDS.declined, 2029), now)).toEqual({ approved: false, failureCode: 'expired_card' });
  });
});
