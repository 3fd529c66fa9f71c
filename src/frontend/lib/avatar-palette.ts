/**
 * Avatar colours: initials on a tinted disc, one pair per theme. Fixed pairs instead of a
 * hue computed at run time, so every pair is known to clear WCAG AA for small bold text
 * (4.5:1; test/avatar-palette.test.ts checks each). Yellow-greens at a mid lightness, as
 * before, fell to 2.5:1.
 */
export interface AvatarColors {
  readonly light: { readonly fg: string; readonly bg: string };
  readonly dark: { readonly fg: string; readonly bg: string };
}

export const AVATAR_PALETTE: readonly AvatarColors[] = [
  { light: { fg: '#3730a3', bg: '#e0e7ff' }, dark: { fg: '#c7d2fe', bg: '#312e81' } }, // indigo
  { light: { fg: '#155e75', bg: '#cffafe' }, dark: { fg: '#a5f3fc', bg: '#164e63' } }, // cyan
  { light: { fg: '#065f46', bg: '#d1fae5' }, dark: { fg: '#a7f3d0', bg: '#064e3b' } }, // emerald
  { light: { fg: '#3f6212', bg: '#ecfccb' }, dark: { fg: '#d9f99d', bg: '#365314' } }, // lime
  { light: { fg: '#92400e', bg: '#fef3c7' }, dark: { fg: '#fde68a', bg: '#78350f' } }, // amber
  { light: { fg: '#9a3412', bg: '#ffedd5' }, dark: { fg: '#fed7aa', bg: '#7c2d12' } }, // orange
  { light: { fg: '#9f1239', bg: '#ffe4e6' }, dark: { fg: '#fecdd3', bg: '#881337' } }, // rose
  { light: { fg: '#86198f', bg: '#fae8ff' }, dark: { fg: '#f5d0fe', bg: '#701a75' } }, // fuchsia
  { light: { fg: '#5b21b6', bg: '#ede9fe' }, dark: { fg: '#ddd6fe', bg: '#4c1d95' } }, // violet
  { light: { fg: '#115e59', bg: '#ccfbf1' }, dark: { fg: '#99f6e4', bg: '#134e4a' } }, // teal
];

/**
 * The same person keeps the same colours: a hash of the user id picks the pair. The avatar
 * names it by class (`avatar--<index>`, rules in app/globals.css, checked against this
 * palette by test/avatar-palette.test.ts) rather than inline styles, which made 3 kB of the
 * page's payload at 20 avatars.
 */
export function avatarIndex(id: string): number {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) % 100_003;
  return hash % AVATAR_PALETTE.length;
}

export function avatarColors(id: string): AvatarColors {
  return AVATAR_PALETTE[avatarIndex(id)];
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours. */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
}
