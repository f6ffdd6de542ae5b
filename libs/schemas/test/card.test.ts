import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { CardDetails, containsCardNumber, isCardNumberValid, isLuhnValid, SANDBOX_CARDS, sandboxCard } from '../src/card.ts';

describe('isLuhnValid', () => {
  it.each(['4242424242424242', '4000000000000002', '378282246310005', '5555555555554444', '79927398713', '0'])('accepts %s', (number) => {
    expect(isLuhnValid(number)).toBe(true);
  });

  // 4242424242424247: its sum is 5 off a multiple of 10, which a check modulo 5 would take.
  it.each(['4242424242424241', '4242424242424247', '4000000000000001', '79927398710', '42424242x4242424', ''])('rejects %s', (number) => {
    expect(isLuhnValid(number)).toBe(false);
  });
});

describe('isCardNumberValid', () => {
  it.each(['4242424242424242', '378282246310005', '5555555555554444', '6200000000000005'])('accepts %s', (number) => {
    expect(isCardNumberValid(number)).toBe(true);
  });

  it('rejects a wrong check digit', () => {
    expect(isCardNumberValid('4242424242424241')).toBe(false);
  });

  it.each(['000000000000', '0000000000000000', '0004242424242424242'])('rejects %s, Luhn-valid but starting with 0', (number) => {
    expect(isLuhnValid(number)).toBe(true);
    expect(isCardNumberValid(number)).toBe(false);
  });
});

describe('CardDetails', () => {
  const card = sandboxCard();

  it.each([
    ['a 12-digit number', { number: '424242424242' }],
    ['a 19-digit number', { number: '4000000000000000006' }],
    ['a 3-digit cvc', { cvc: '123' }],
    ['a 4-digit cvc', { cvc: '1234' }],
    ['expiry month 1', { expMonth: 1 }],
    ['expiry month 12', { expMonth: 12 }],
  ])('takes %s', (_case, change) => {
    expect(Value.Check(CardDetails, { ...card, ...change })).toBe(true);
  });

  it.each([
    ['an 11-digit number', { number: '42424242424' }],
    ['a 20-digit number', { number: '40000000000000000006' }],
    ['a 2-digit cvc', { cvc: '12' }],
    ['a 5-digit cvc', { cvc: '12345' }],
    ['expiry month 0', { expMonth: 0 }],
    ['expiry month 13', { expMonth: 13 }],
    ['a field it does not know', { holder: 'A. Shopper' }],
  ])('refuses %s', (_case, change) => {
    expect(Value.Check(CardDetails, { ...card, ...change })).toBe(false);
  });
});

describe('sandboxCard', () => {
  it('is a card the schema takes, its number Luhn-valid, not expired: approved unless another number is given', () => {
    for (const number of Object.values(SANDBOX_CARDS)) {
      const card = sandboxCard(number);
      expect(Value.Check(CardDetails, card), number).toBe(true);
      expect(isLuhnValid(card.number)).toBe(true);
      expect(card.expYear).toBeGreaterThan(new Date().getUTCFullYear());
    }
    expect(sandboxCard().number).toBe(SANDBOX_CARDS.approved);
  });
});

describe('containsCardNumber', () => {
  it.each([
    ['a card number alone', '4242424242424242'],
    ['one inside words', 'paid with 4242424242424242, thanks'],
    ['one grouped by spaces', 'card 4242 4242 4242 4242'],
    ['one grouped by dashes', 'pan:4000-0000-0000-0002'],
    ['one beside other digits', 'order 12 4242424242424242'],
    ['a 15-digit one (American Express)', 'amex 378282246310005'],
    // The shortest and the longest card numbers (ISO/IEC 7812): 13 digits (an early Visa), 19 digits.
    ['a 13-digit one', 'visa 4222222222222'],
    ['a 19-digit one', 'visa 4000000000000000006'],
    // Neither its first 16 digits nor its last 15 pass the Luhn check: only all 19 together do.
    ['a 19-digit one, grouped 4-4-4-4-3', 'card 4000 0000 0000 0000 006'],
    ['one grouped by dots', 'card 4242.4242.4242.4242'],
    // One text per separator: each must group a card number on its own.
    ['one grouped by underscores', '4242_4242_4242_4242'],
    ['one grouped by slashes', '4242/4242/4242/4242'],
    ['one grouped by tabs', '4242\t4242\t4242\t4242'],
    ['one grouped by line breaks', '4000\n0000\n0000\n0002'],
    ['one grouped by no-break spaces', '4242\u00a04242\u00a04242\u00a04242'],
    ['one in full-width digits', 'card ４２４２４２４２４２４２４２４２'],
    ['one in Arabic-Indic digits', 'بطاقة ٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢'],
    ['one in Devanagari digits, grouped', '४२४२ ४२४२ ४२४२ ४२४२'],
    ['one in mathematical bold digits', '𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐'],
    ['one mixing scripts', '42٤2４2424242424242'],
    ['one with its expiry after it', 'card 4242 4242 4242 4242 12/28 cvc 123'],
    ['one with its expiry after it, in spaces', 'card 4242 4242 4242 4242 12 28'],
    ['one with its expiry on the next line', '4242 4242 4242 4242\n12/28'],
    ['one with a count before it', 'qty 2 4242 4242 4242 4242'],
    // Groups that differ (American Express prints 4-6-5): joined from the end in another order,
    // they are no card number.
    ['one with a count before it, its groups unlike', 'qty 2 3782 822463 10005'],
    // Neither joined from the start nor from the end: only the middle group on its own.
    ['one between two counts', '7 4242424242424242 7'],
    ['one beside a year', '4242 4242 4242 4242/2026'],
    ['one beside an order reference', 'myshop order 64705bcb-3315-468e-8131-324571095776 paid with 4242-4242-4242-4242'],
  ])('finds %s', (_case, text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    ['an order reference', 'myshop order 1b4e28ba-2fa1-11d2-883f-0016d3cca427'],
    // Its groups 27-2033-5179-2931 pass the Luhn check as 14 digits, but they are part of the id.
    ['an order reference whose digit groups look like a card number', 'myshop order abcdef27-2033-5179-2931-abcdefabcdef'],
    // No letter touches 8131-324571095776, 16 digits that pass the Luhn check: about one random
    // UUID in 13,000 has such a tail, and its checkout could never be charged.
    ['an order reference whose last groups, all digits, look like a card number', 'myshop order 64705bcb-3315-468e-8131-324571095776'],
    ['such an order id alone, in upper case', '64705BCB-3315-468E-8131-324571095776'],
    ['digits a letter touches', 'ref4242424242424242'],
    // The whole run is judged, not its groups after (or before) the part an id's letters touch.
    ['a run a letter touches at its start', 'ab12-4242-4242-4242-4242'],
    ['a run a letter touches at its end', '4242-4242-4242-4242-12ab'],
    ['a number that fails the Luhn check', '4242424242424241'],
    ['a longer reference number', '42424242424242424242'],
    ['a short number', 'order 424242424242'],
    ['a date and an amount', '2026-12-05 12.50'],
    ['a date, a time and an amount', '05/12/2026 21:30, 12.50'],
    ['digits a full-width letter touches', 'ｒｅｆ４２４２４２４２４２４２４２４２'],
    ['a longer reference number in Arabic-Indic digits', '٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢'],
    ['a number that fails the Luhn check, in dots', '4242.4242.4242.4241'],
    ['nothing', ''],
  ])('leaves %s alone', (_case, text) => {
    expect(containsCardNumber(text)).toBe(false);
  });
});

describe('the decimal digits of every script', () => {
  it('are each read as their value: every run of ten from its zero is 0 to 9', () => {
    // A Luhn-valid number in each script's digits is found, its last digit changed is not.
    const digits = [...Array(0x110000).keys()].filter((codePoint) => /^\p{Nd}$/u.test(String.fromCodePoint(codePoint)));
    const zeros = digits.filter((codePoint, index) => index % 10 === 0);
    expect(digits.length % 10).toBe(0);
    expect(zeros.length).toBeGreaterThan(50);
    for (const zero of zeros) {
      const inScript = (number: string) => [...number].map((digit) => String.fromCodePoint(zero + Number(digit))).join('');
      expect(containsCardNumber(inScript('4242424242424242')), zero.toString(16)).toBe(true);
      expect(containsCardNumber(inScript('4242424242424241')), zero.toString(16)).toBe(false);
      // Every digit of the run, its zero too: a digit read as another breaks the check.
      expect(containsCardNumber(inScript('1234567890123452')), zero.toString(16)).toBe(true);
      expect(containsCardNumber(inScript('1234567890123451')), zero.toString(16)).toBe(false);
    }
  });
});
