/** @jest-environment node */
import { passwordMatches } from '@/lib/password';

describe('passwordMatches', () => {
  it('accepts exactly the configured password', () => {
    expect(passwordMatches('correct horse battery', 'correct horse battery')).toBe(true);
  });

  it('refuses anything else, including prefixes, other lengths and case changes', () => {
    for (const guess of ['', 'correct', 'correct horse battery ', 'Correct horse battery', 'x'.repeat(500)]) {
      expect(passwordMatches(guess, 'correct horse battery')).toBe(false);
    }
  });

  it('never matches when no password is configured', () => {
    expect(passwordMatches('', '')).toBe(false);
  });
});
