import type { ReactNode } from 'react';
import { Brand } from '@/components/brand';
import { ThemeToggle } from '@/components/theme-toggle';
import { signOut } from '@/lib/auth-actions';

export default function DashboardLayout({ children }: { children: ReactNode }) {
  return (
    <div className="app">
      <header className="topbar">
        <div className="topbar__inner">
          <a href="/" className="topbar__home" aria-label="dialogstack: dashboard home">
            <Brand />
          </a>
          <div className="topbar__actions">
            <ThemeToggle />
            <form action={signOut}>
              <button type="submit" className="button button--ghost">Sign out</button>
            </form>
          </div>
        </div>
      </header>
      <main className="page" id="main">{children}</main>
    </div>
  );
}
