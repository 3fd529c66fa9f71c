import { avatarIndex } from '@/lib/avatar-palette';

/** Initials on a colour derived from the user id: the same person keeps the same colour. */
export function Avatar({ id, name }: { id: string; name: string }) {
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => [...word][0]?.toUpperCase() ?? '').join('') || '?';
  return (
    <span className={`avatar avatar--${avatarIndex(id)}`} aria-hidden="true">
      {initials}
    </span>
  );
}
