import { describe, expect, it } from 'vitest';
import { quantityBytes } from '../src/body-limits.ts';

describe('quantityBytes', () => {
  it('reads a Kubernetes quantity of bytes, binary and decimal', () => {
    expect(quantityBytes('65536')).toBe(65_536);
    expect(quantityBytes(65_536)).toBe(65_536);
    expect(quantityBytes('64Ki')).toBe(65_536);
    expect(quantityBytes('1Mi')).toBe(1_048_576);
    expect(quantityBytes('64k')).toBe(64_000);
  });

  it('refuses what is not a whole number of bytes', () => {
    expect(quantityBytes('64K')).toBeUndefined();
    expect(quantityBytes('1.5Mi')).toBeUndefined();
    expect(quantityBytes('')).toBeUndefined();
    expect(quantityBytes(undefined)).toBeUndefined();
  });
});
