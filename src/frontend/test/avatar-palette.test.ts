import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVATAR_PALETTE, avatarColors, avatarIndex, contrastRatio } from '@/lib/avatar-palette';

describe('avatar palette', () => {
  it.each(AVATAR_PALETTE.map((colors, i) => [i, colors] as const))('pair %d clears 4.5:1 in both themes (small bold initials)', (_, colors) => {
    expect(contrastRatio(colors.light.fg, colors.light.bg)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(colors.dark.fg, colors.dark.bg)).toBeGreaterThanOrEqual(4.5);
  });

  it('computes WCAG contrast like the reference values', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    // The colour axe flagged before: #81ab2b on #eff9dc is 2.47:1.
    expect(contrastRatio('#81ab2b', '#eff9dc')).toBeCloseTo(2.47, 2);
  });

  it('gives a person the same colours every time, and spreads people over the palette', () => {
    expect(avatarColors('100001')).toBe(avatarColors('100001'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => avatarColors(String(100_000 + i * 97))));
    expect(used.size).toBe(AVATAR_PALETTE.length);
  });

  it('is what the stylesheet paints: one avatar--<index> rule per pair, with its colours for each theme', () => {
    const css = readFileSync(join(__dirname, '..', 'app', 'globals.css'), 'utf8');
    const rule = /\.avatar--(\d+) \{ --avatar-fg: light-dark\((#\w{6}), (#\w{6})\); --avatar-bg: light-dark\((#\w{6}), (#\w{6})\); \}/g;
    const rules = [...css.matchAll(rule)]
      .map(([, index, lightFg, darkFg, lightBg, darkBg]) => ({
        index: Number(index), light: { fg: lightFg, bg: lightBg }, dark: { fg: darkFg, bg: darkBg },
      }));
    expect(rules).toEqual(AVATAR_PALETTE.map((colors, index) => ({ index, ...colors })));
    expect(css.match(/\.avatar--\d+/g)).toHaveLength(AVATAR_PALETTE.length);
  });

  it('names the pair by an index of the palette', () => {
    for (let i = 0; i < 200; i++) {
      const id = String(100_000 + i * 97);
      expect(AVATAR_PALETTE[avatarIndex(id)]).toBe(avatarColors(id));
    }
  });
});

