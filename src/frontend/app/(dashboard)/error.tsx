'use client';

/** Last resort for an unexpected rendering error; api failures are handled inside the page. It replaces the page, h1 included. */
export default function DashboardError({ reset }: { error: Error; reset: () => void }) {
  return (
    <section className="card state state--error" role="alert">
      <h1>Something went wrong</h1>
      <p>The dashboard could not be shown. The details are in the server log.</p>
      <button type="button" className="button" onClick={reset}>Try again</button>
    </section>
  );
}
