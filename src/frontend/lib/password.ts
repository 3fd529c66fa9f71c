import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison. Both sides are hashed first so that the comparison takes the
 * same time whatever the lengths (timingSafeEqual needs equal-length inputs).
 */
export function passwordMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}

/** Slows down guessing: every refused password costs the client this long. */
export const WRONG_PASSWORD_DELAY_MS = 750;
