import { describe, expect, it } from 'vitest';
import { isLuhnValid } from '../src/card.ts';

describe('isLuhnValid', () => {
  it.each(['4242424242424242', '4000000000000002', '378282246310005', '5555555555554444', '79927398713', '0'])('accepts %s', (number) => {
    expect(isLuhnValid(number)).toBe(true);
  });

  it.each(['4242424242424241', '4000000000000001', '79927398710', '42424242x4242424', ''])('rejects %s', (number) => {
    expect(isLuhnValid(number)).toBe(false);
  });
});
