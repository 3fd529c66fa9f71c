import type { CSSProperties } from 'react';
import { avatarColors } from '@/lib/avatar-palette';

/** Initials on a colour derived from the user id: the same person keeps the same colour. */
export function Avatar({ id, name }: { id: string; name: string }) {
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => [...word][0]?.toUpperCase() ?? '').join('') || '?';
  const { light, dark } = avatarColors(id);
  const style = { '--avatar-fg': `light-dark(${light.fg}, ${dark.fg})`, '--avatar-bg': `light-dark(${light.bg}, ${dark.bg})` } as CSSProperties;
  return (
    <span className="avatar" style={style} aria-hidden="true">
      {initials}
    </span>
  );
}
