/** Logo mark and name. */
export function Brand() {
  return (
    <span className="brand">
      <svg className="brand__mark" viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="var(--accent)" />
        <path d="M9 11.5h14M9 16h9M9 20.5h11" stroke="var(--accent-contrast)" strokeWidth="2.4" strokeLinecap="round" />
      </svg>
      <span className="brand__name">dialogstack</span>
    </span>
  );
}
