/** @jest-environment node */
import { safeRedirectTarget } from '@/lib/redirect-target';

/** The `next` parameter as the sign-in page receives it: the raw query string, decoded. */
const nextFrom = (rawQuery: string) => new URLSearchParams(rawQuery).get('next');

/** Where a browser goes when it follows `Location: <target>` from the dashboard. */
const followed = (target: string) => new URL(target, 'https://dashboard.example').origin;

describe('safeRedirectTarget', () => {
  it('keeps a path on this site, query included', () => {
    expect(safeRedirectTarget('/?period=30d')).toBe('/?period=30d');
    expect(safeRedirectTarget('/dialogs/42?x=%2F')).toBe('/dialogs/42?x=%2F');
  });

  it('sends everything else to the dashboard', () => {
    for (const value of [null, undefined, 42, '', 'https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil.example',
      'javascript:alert(1)', 'https:evil.example', '/sign-in', '/sign-in?next=/', '/sign-in/', '/./sign-in']) {
      expect(safeRedirectTarget(value)).toBe('/');
    }
  });

  // Browsers remove tabs and newlines anywhere in a URL and read `\` as `/`: each of these is
  // `//evil.example/phish` to them, another host.
  it.each([
    ['tab', '/\t/evil.example/phish'],
    ['newline', '/\n/evil.example/phish'],
    ['carriage return', '/\r/evil.example/phish'],
    ['backslash', '/\\/evil.example/phish'],
    ['tab before the slashes', '\t//evil.example/phish'],
    ['newline between the slashes', '/\n\\evil.example/phish'],
    ['dot segment', '/.//evil.example/phish'],
    ['dot-dot segment', '/a/..//evil.example/phish'],
  ])('refuses a %s that makes the path another host', (_, value) => {
    expect(safeRedirectTarget(value)).toBe('/');
  });

  it.each([
    ['tab', '%09'],
    ['newline', '%0A'],
    ['carriage return', '%0D'],
    ['backslash', '%5C'],
  ])('refuses a percent-encoded %s in the query string, and keeps a double-encoded one on this site', (_, encoded) => {
    expect(safeRedirectTarget(nextFrom(`next=/${encoded}/evil.example/phish`))).toBe('/');
    expect(safeRedirectTarget(nextFrom(`next=${encoded}//evil.example/phish`))).toBe('/');
    // Encoded twice, it reaches the target still encoded: a path on this site, which a browser keeps.
    const twice = safeRedirectTarget(nextFrom(`next=/${encoded.replace('%', '%25')}/evil.example/phish`));
    expect(followed(twice)).toBe('https://dashboard.example');
  });

  it('never returns a target that a browser follows to another origin', () => {
    const characters = ['/', '\\', '\t', '\n', '\r', '.', '%2F', '%5C', '%09', 'evil.example', ':', '@', '?', '#', ' '];
    // Every string of up to four of these pieces, after a leading slash.
    let values = [''];
    for (let length = 0; length < 4; length++) values = values.flatMap((v) => characters.map((c) => v + c));
    const escaped = values.map((v) => `/${v}`).filter((value) => {
      const target = safeRedirectTarget(value);
      return followed(target) !== 'https://dashboard.example' || !target.startsWith('/') || target.startsWith('//');
    });
    expect(escaped).toEqual([]);
  });
});
