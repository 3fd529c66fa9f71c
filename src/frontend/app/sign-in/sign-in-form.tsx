'use client';

import { unstable_rethrow } from 'next/navigation';
import { useActionState } from 'react';
import { signIn, type SignInState } from '@/lib/auth-actions';

export function SignInForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInOrExplain, {});
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

/**
 * A refused attempt (429: too many attempts) never reaches the action; its plain-text answer
 * arrives here as the error's message and is shown like a wrong password.
 */
async function signInOrExplain(previous: SignInState, form: FormData): Promise<SignInState> {
  try {
    return await signIn(previous, form);
  } catch (err) {
    unstable_rethrow(err); // the redirect after a successful sign-in travels as an error
    const message = err instanceof Error ? err.message : '';
    return { error: message.startsWith('Too many sign-in attempts') ? message : 'The dashboard did not answer. Try again in a moment.' };
  }
}
