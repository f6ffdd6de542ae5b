import { describe, expect, it } from 'vitest';
import { minorUnitsPerMajor } from '../src/minor-units.ts';

describe('minorUnitsPerMajor', () => {
  it('gives every currency the runtime knows the minor unit its ICU formats it with', () => {
    const currencies = Intl.supportedValuesOf('currency');
    expect(currencies.length).toBeGreaterThan(100);
    for (const currency of currencies) {
      const { maximumFractionDigits } = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions();
      expect(minorUnitsPerMajor(currency), currency).toBe(10 ** maximumFractionDigits!);
    }
  });

  it('counts a hundredth for a code it does not know, as ICU does', () => {
    expect(minorUnitsPerMajor('XYZ')).toBe(100);
    expect(new Intl.NumberFormat('en', { style: 'currency', currency: 'XYZ' }).resolvedOptions().maximumFractionDigits).toBe(2);
  });
});
