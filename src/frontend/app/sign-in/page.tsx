import { redirect } from 'next/navigation';
import { SignInForm } from './sign-in-form';
import { Brand } from '@/components/brand';
import { ConfigErrorState } from '@/components/states';
import { ThemeToggle } from '@/components/theme-toggle';
import { hasSession } from '@/lib/auth';
import { readConfig } from '@/lib/config';
import { safeRedirectTarget } from '@/lib/redirect-target';

export const metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const result = readConfig();
  const next = safeRedirectTarget((await searchParams).next);
  if (result.ok && (await hasSession(result.config))) redirect(next);

  return (
    <main className="sign-in">
      <div className="sign-in__corner"><ThemeToggle /></div>
      <div className="sign-in__panel">
        <Brand />
        {result.ok ? (
          <div className="card sign-in__card">
            <h1 className="sign-in__title">Sign in</h1>
            <p className="sign-in__lead">Usage dashboard of your Telegram assistant.</p>
            <SignInForm next={next} />
          </div>
        ) : (
          <ConfigErrorState problems={result.problems} />
        )}
      </div>
    </main>
  );
}
