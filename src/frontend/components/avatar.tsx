import type { CSSProperties } from 'react';

/** Initials on a colour derived from the user id: the same person keeps the same colour. */
export function Avatar({ id, name }: { id: string; name: string }) {
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => [...word][0]?.toUpperCase() ?? '').join('') || '?';
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  return (
    <span className="avatar" style={{ '--avatar-hue': hash } as CSSProperties} aria-hidden="true">
      {initials}
    </span>
  );
}
