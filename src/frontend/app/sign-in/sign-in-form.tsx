'use client';

import { useActionState } from 'react';
import { signIn, type SignInState } from '@/lib/auth-actions';

/**
 * The server action itself goes to useActionState (no client wrapper), so the form works
 * before and without JavaScript: React renders it as a plain POST that runs the action and
 * answers with the page in the action's state. Every answer, a refused attempt (too many)
 * included, arrives as that state.
 */
export function SignInForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, {});
  return (
    <form action={action} className="form">
      <input type="hidden" name="next" value={next} />
      {/* There is one account; naming it lets password managers file the password. */}
      <input type="text" name="username" autoComplete="username" value="dashboard" readOnly hidden />
      <label className="form__label" htmlFor="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        className="input"
        autoComplete="current-password"
        autoFocus
        required
        aria-invalid={state.error ? true : undefined}
        aria-describedby={state.error ? 'password-error' : undefined}
      />
      {state.error ? <p className="form__error" id="password-error" role="alert">{state.error}</p> : null}
      <button type="submit" className="button button--primary button--block" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
