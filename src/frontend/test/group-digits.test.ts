import { groupDigits } from '@/lib/group-digits';

describe('groupDigits', () => {
  const intl = new Intl.NumberFormat('en-US');

  it('prints whole numbers as Intl en-US does', () => {
    const samples = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 12_345, 100_000, 999_999, 1_000_000, 1_234_567, 987_654_321];
    samples.push(Number.MAX_SAFE_INTEGER);
    for (const n of samples) {
      expect(groupDigits(n)).toBe(intl.format(n));
      expect(groupDigits(-n)).toBe(n === 0 ? '0' : `-${intl.format(n)}`);
    }
    for (let n = 0; n < 20_000; n += 7) expect(groupDigits(n)).toBe(intl.format(n));
  });

  it('refuses fractions and non-finite numbers instead of printing them wrongly', () => {
    expect(() => groupDigits(1.5)).toThrow(RangeError);
    expect(() => groupDigits(Number.NaN)).toThrow(RangeError);
    expect(() => groupDigits(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
