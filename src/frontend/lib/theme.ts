/** The theme chosen with the toggle. No cookie: follow the system (prefers-color-scheme). */
export const THEME_COOKIE = 'theme';
export type Theme = 'light' | 'dark';

export function parseTheme(value: string | undefined): Theme | undefined {
  return value === 'light' || value === 'dark' ? value : undefined;
}
