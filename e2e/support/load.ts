import { Edge, fetchVia } from './edge';

export interface LoadResult {
  readonly requests: number;
  readonly failed: number;
  readonly longestOutageMs: number;
  /** Each failure: when (ms since start), and why (status or error). */
  readonly failures: readonly { readonly atMs: number; readonly why: string }[];
  /** Latency of every request, with when it started (ms since start). */
  readonly samples: readonly { readonly atMs: number; readonly ms: number }[];
}

/**
 * Requests `path` on `host` through the proxy every `intervalMs` until stopped; a failure is
 * an error, a timeout or a non-2xx answer. One request at a time, as a patient client would.
 */
export interface LoadOptions { readonly intervalMs: number; readonly headers?: Record<string, string>; readonly timeoutMs?: number }

export function loadLoop(edge: Edge, host: string, path: string, opts: LoadOptions): { stop: () => Promise<LoadResult> } {
  let running = true;
  const t0 = Date.now();
  const failures: { atMs: number; why: string }[] = [];
  const samples: { atMs: number; ms: number }[] = [];
  let longestOutageMs = 0;
  const done = (async () => {
    let outageSince: number | undefined;
    while (running) {
      const started = Date.now();
      const why = await fetchVia(edge, host, path, { headers: opts.headers, timeoutMs: opts.timeoutMs ?? 5000 })
        .then((r) => (r.ok ? undefined : `HTTP ${r.status}`), (err: Error) => err.message);
      samples.push({ atMs: started - t0, ms: Date.now() - started });
      if (why === undefined) {
        if (outageSince !== undefined) longestOutageMs = Math.max(longestOutageMs, Date.now() - outageSince);
        outageSince = undefined;
      } else {
        failures.push({ atMs: started - t0, why });
        outageSince ??= started;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, opts.intervalMs - (Date.now() - started))));
    }
    if (outageSince !== undefined) longestOutageMs = Math.max(longestOutageMs, Date.now() - outageSince);
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { requests: samples.length, failed: failures.length, longestOutageMs, failures, samples };
    },
  };
}

/** The p-th percentile (0-100) of latencies, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
