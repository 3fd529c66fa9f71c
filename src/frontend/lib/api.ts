import 'server-only';
import { API_ROUTES, errorResponseSchema, statsResponseSchema, type Period, type StatsResponse } from '@dialogstack/contract';
import type { DashboardConfig } from './config';
import { log } from './log';

/** Why there are no statistics to show. The message is for people; it never carries the token. */
export interface ApiProblem {
  readonly kind: 'unreachable' | 'rejected' | 'invalid-response';
  readonly message: string;
  readonly status?: number;
}

export type StatsResult =
  | { readonly ok: true; readonly stats: StatsResponse }
  | { readonly ok: false; readonly problem: ApiProblem };

export interface FetchStatsOptions {
  /** Rows of top users and recent dialogs. */
  readonly limit?: number;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 8000;

/**
 * How long the dashboard page waits for the api before it sends anything. An answer within this
 * time (the api takes milliseconds) is part of the page: the first paint shows the numbers, in
 * one layout, with no script needed to reveal them. A slower answer streams in behind the
 * skeleton, which then shows at once. Without the wait the skeleton was always painted first
 * and React revealed the numbers at least 300 ms later (its fallback throttle) in a second
 * layout of the whole page, which Lighthouse counted as blocking time.
 */
export const STATS_WAIT_MS = 500;

/**
 * `GET /api/v1/stats` on the api, server-side only, with the bearer token. Every failure
 * becomes a StatsResult (the page says what went wrong) instead of an exception.
 */
export async function fetchStats(
  config: Pick<DashboardConfig, 'apiUrl' | 'apiToken'>,
  period: Period,
  options: FetchStatsOptions = {},
): Promise<StatsResult> {
  const url = new URL(`${config.apiUrl}${API_ROUTES.stats}`);
  url.searchParams.set('period', period);
  url.searchParams.set('limit', String(options.limit ?? 10));

  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${config.apiToken}`, accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
    return failure({
      kind: 'unreachable',
      message: timedOut ? 'The statistics API did not answer in time.' : 'The statistics API cannot be reached.',
    }, { url: url.origin, cause: errorCode(err) });
  }

  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = errorResponseSchema.safeParse(body);
    const detail = error.success ? error.data.message : response.statusText;
    return failure({
      kind: 'rejected',
      status: response.status,
      message: `The statistics API answered ${response.status}${detail ? `: ${detail}` : ''}.`,
    }, { url: url.origin });
  }

  const parsed = statsResponseSchema.safeParse(body);
  if (!parsed.success) {
    return failure({
      kind: 'invalid-response',
      message: 'The statistics API sent data this dashboard does not understand (contract mismatch).',
    }, { url: url.origin, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return { ok: true, stats: parsed.data };
}

function failure(problem: ApiProblem, fields: Record<string, unknown>): StatsResult {
  log.error('stats request failed', { kind: problem.kind, status: problem.status, ...fields });
  return { ok: false, problem };
}

/** `ECONNREFUSED`, `ENOTFOUND`, `TimeoutError`…: enough to diagnose, nothing from the request. */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (err instanceof Error ? err.name : 'unknown');
}
