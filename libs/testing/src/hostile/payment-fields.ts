import { isCardNumberValid, SANDBOX_CARDS } from '@myshop/schemas';
import fc from 'fast-check';
import { integerField, stringField, type FieldSpec, type ObjectSpec } from './hostile-input.ts';

/** The Idempotency-Key header every charging route takes: 1 to 255 visible ASCII characters. */
export const idempotencyKeyField: FieldSpec = stringField(fc.uuid(), (text) => /^[\x21-\x7e]{1,255}$/.test(text), {
  invalid: fc.constantFrom('has space', 'x'.repeat(256), '', '\t'),
});

/**
 * A card as checkout and payment take it (`CardDetails`): valid cards are sandbox numbers that
 * pass Luhn, expiring next year; invalid ones fail the checksum, the first digit, the length, the
 * digits or the range.
 */
export const cardFields: ObjectSpec = {
  number: stringField(
    fc.constantFrom(SANDBOX_CARDS.approved, '5555555555554444'),
    (text) => /^[0-9]{12,19}$/.test(text) && isCardNumberValid(text),
    {
      invalid: fc.oneof(
        fc.stringMatching(/^[0-9]{12,19}$/),
        fc.stringMatching(/^[0-9]{1,11}$/),
        fc.stringMatching(/^[0-9]{20,40}$/),
        fc.constant('4242 4242 4242 4242'),
      ),
    },
  ),
  expMonth: integerField(1, 12),
  expYear: { ...integerField(2000, 2100), valid: fc.constant(new Date().getUTCFullYear() + 1) },
  cvc: stringField(fc.constantFrom('123', '4567'), (text) => /^[0-9]{3,4}$/.test(text), {
    invalid: fc.constantFrom('12', '12345', 'abc', '１２３'),
  }),
};
