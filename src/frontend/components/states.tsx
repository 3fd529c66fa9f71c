import type { ApiProblem } from '@/lib/api';

/** Fresh install: the bot has not talked to anybody yet. */
export function EmptyState() {
  return (
    <section className="card state" aria-labelledby="empty-title" data-state="empty">
      <div className="state__icon" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
          <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z" />
          <path d="M8.5 12h.01M12 12h.01M15.5 12h.01" />
        </svg>
      </div>
      <h2 id="empty-title">No conversations yet</h2>
      <p>
        When people start talking to your assistant on Telegram, their activity appears here: users, dialogs,
        messages and trends. Figures are read live on every page load.
      </p>
    </section>
  );
}

/** The api is down or answered with an error: the page still renders and says so. */
export function ApiErrorState({ problem, retryHref }: { problem: ApiProblem; retryHref: string }) {
  return (
    <section className="card state state--error" role="alert" aria-labelledby="api-error-title" data-state="api-error">
      <h2 id="api-error-title">Statistics are unavailable right now</h2>
      <p>{problem.message}</p>
      <p className="state__hint">
        {problem.kind === 'rejected' && problem.status === 401
          ? 'The dashboard and the api disagree on API_TOKEN.'
          : 'The rest of the dashboard works; the figures return once the api answers.'}
      </p>
      <a className="button" href={retryHref}>Try again</a>
    </section>
  );
}

/** Missing or malformed environment: names the variables, never their values. It is the whole page, so its heading is the page's h1. */
export function ConfigErrorState({ problems }: { problems: readonly string[] }) {
  return (
    <section className="card state state--error" role="alert" aria-labelledby="config-error-title" data-state="config-error">
      <h1 id="config-error-title">The dashboard is not configured</h1>
      <p>The server started without the settings it needs:</p>
      <ul className="state__list">
        {problems.map((problem) => <li key={problem}><code>{problem}</code></li>)}
      </ul>
      <p className="state__hint">Set these environment variables and restart the container.</p>
    </section>
  );
}
