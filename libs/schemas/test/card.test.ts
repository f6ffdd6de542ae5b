import { describe, expect, it } from 'vitest';
import { containsCardNumber, isLuhnValid } from '../src/card.ts';

describe('isLuhnValid', () => {
  it.each(['4242424242424242', '4000000000000002', '378282246310005', '5555555555554444', '79927398713', '0'])('accepts %s', (number) => {
    expect(isLuhnValid(number)).toBe(true);
  });

  it.each(['4242424242424241', '4000000000000001', '79927398710', '42424242x4242424', ''])('rejects %s', (number) => {
    expect(isLuhnValid(number)).toBe(false);
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
  ])('finds %s', (_case, text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    ['an order reference', 'myshop order 1b4e28ba-2fa1-11d2-883f-0016d3cca427'],
    // Its groups 27-2033-5179-2931 pass the Luhn check as 14 digits, but they are part of the id.
    ['an order reference whose digit groups look like a card number', 'myshop order abcdef27-2033-5179-2931-abcdefabcdef'],
    ['digits a letter touches', 'ref4242424242424242'],
    ['a number that fails the Luhn check', '4242424242424241'],
    ['a longer reference number', '42424242424242424242'],
    ['a short number', 'order 424242424242'],
    ['a date and an amount', '2026-12-05 12.50'],
    ['nothing', ''],
  ])('leaves %s alone', (_case, text) => {
    expect(containsCardNumber(text)).toBe(false);
  });
});
