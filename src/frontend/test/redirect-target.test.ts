/** @jest-environment node */
import { safeRedirectTarget } from '@/lib/redirect-target';

describe('safeRedirectTarget', () => {
  it('keeps a path on this site, query included', () => {
    expect(safeRedirectTarget('/?period=30d')).toBe('/?period=30d');
  });

  it('sends everything else to the dashboard', () => {
    for (const value of [null, undefined, '', 'https://evil.example', '//evil.example', '/\\evil.example', '/sign-in', '/sign-in?next=/']) {
      expect(safeRedirectTarget(value)).toBe('/');
    }
  });
});
