import { AVATAR_PALETTE, avatarColors, contrastRatio } from '@/lib/avatar-palette';

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
});
