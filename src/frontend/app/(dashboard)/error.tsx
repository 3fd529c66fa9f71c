'use client';

/** Last resort for an unexpected rendering error; api failures are handled inside the page. */
export default function DashboardError({ reset }: { error: Error; reset: () => void }) {
  return (
    <section className="card state state--error" role="alert">
      <h2>Something went wrong</h2>
      <p>The dashboard could not be shown. The details are in the server log.</p>
      <button type="button" className="button" onClick={reset}>Try again</button>
    </section>
  );
}
