import { z } from 'zod';

/**
 * Reporting windows the dashboard offers. Times are UTC; a window is half-open, `[from, to)`,
 * and `to` is the moment the response was generated (`generatedAt`). Every period honours the
 * upper bound: a message stamped at or after `to` (clock skew between hosts, Telegram's send
 * times) is in no window, no count and no "last active" until `to` passes it.
 * - `24h`: 24 hourly buckets ending with the current, partial hour:
 *   `from` = start of the current hour − 23 h.
 * - `7d`, `30d`, `90d`: N UTC days ending with today, today being partial:
 *   `from` = today 00:00 − (N − 1) days. Daily buckets.
 * - `all`: from 00:00 of the first UTC day with a message (today when there is none). Daily
 *   buckets. No previous window, so no trends.
 *
 * The previous window, which trends compare against, has exactly the same length and ends
 * where the current one starts: `[from − (to − from), from)`. At 06:00 on a `7d` view it is
 * 6 days and 6 hours long, like the current one.
 */
export const PERIODS = ['24h', '7d', '30d', '90d', 'all'] as const;
export const periodSchema = z.enum(PERIODS);
export type Period = z.infer<typeof periodSchema>;
export const DEFAULT_PERIOD: Period = '7d';

/** Query string of `GET /api/v1/stats`. Unknown parameters are rejected, not ignored. */
export const statsQuerySchema = z
  .object({
    period: periodSchema.default(DEFAULT_PERIOD),
    /** How many top users / recent dialogs to return. */
    limit: z.coerce.number().int().min(1).max(50).default(10),
  })
  .strict();
export type StatsQuery = z.infer<typeof statsQuerySchema>;

const isoTimestamp = z.iso.datetime({ offset: false });

/**
 * One KPI with its trend. `previous` is the same measure over the previous window (see
 * PERIODS); `changePct` = (value − previous) / previous × 100, rounded to one decimal, and
 * null when there is no previous window (`all`) or the previous value is zero (a percentage
 * of zero is undefined, not "+∞%").
 *
 * Rounding (here and for `avgMessageLength`) is exact — from the integer counts, not from a
 * binary float — and a half goes away from zero: 103 vs 80 is +28.75 % → 28.8, 57 vs 80 is
 * −28.75 % → −28.8.
 */
export const kpiSchema = z.object({
  value: z.number(),
  previous: z.number().nullable(),
  changePct: z.number().nullable(),
});
export type Kpi = z.infer<typeof kpiSchema>;

export const seriesPointSchema = z.object({
  /** Start of the bucket, UTC. */
  t: isoTimestamp,
  /** Messages of both roles created in the bucket. */
  messages: z.number().int().nonnegative(),
  /** Distinct users who wrote (sent a message of role `user`) in the bucket. */
  activeUsers: z.number().int().nonnegative(),
});
export type SeriesPoint = z.infer<typeof seriesPointSchema>;

export const userSummarySchema = z.object({
  /** Telegram user id (decimal string: ids may exceed 2^53 in the future). */
  id: z.string(),
  username: z.string().nullable(),
  displayName: z.string(),
});
export type UserSummary = z.infer<typeof userSummarySchema>;

/**
 * A user ranked by the messages of their dialogs (both roles) in the window; ties go to the
 * one active most recently, then to the lower id.
 */
export const topUserSchema = userSummarySchema.extend({
  messages: z.number().int().nonnegative(),
  /** Time of the latest message of their dialogs in the window. */
  lastActiveAt: isoTimestamp,
});
export type TopUser = z.infer<typeof topUserSchema>;

/**
 * A dialog (one user in one chat: the bot keeps a dialog per user per chat) with messages in
 * the window, latest first.
 */
export const recentDialogSchema = z.object({
  chatId: z.string(),
  user: userSummarySchema,
  /** Messages of both roles in the window. */
  messages: z.number().int().nonnegative(),
  lastMessageAt: isoTimestamp,
  /**
   * Beginning of the last message (either role, hidden by /reset or not), whitespace
   * collapsed; a longer text is cut and ends with "…".
   */
  lastMessagePreview: z.string().max(160),
});
export type RecentDialog = z.infer<typeof recentDialogSchema>;

export const statsResponseSchema = z.object({
  period: periodSchema,
  /**
   * The instant the response was computed for (= `window.to`). The api may serve the same
   * response again for up to a second while no write has committed since, so this can be
   * slightly earlier than the request; the numbers are exact for `[from, generatedAt)`.
   */
  generatedAt: isoTimestamp,
  window: z.object({
    from: isoTimestamp,
    to: isoTimestamp,
    bucket: z.enum(['hour', 'day']),
  }),
  kpis: z.object({
    /** Users known (first seen) before the end of the window. */
    totalUsers: kpiSchema,
    /** Users who wrote at least one message (role `user`) in the window. */
    activeUsers: kpiSchema,
    /** Distinct dialogs (a user in a chat) with at least one message in the window. */
    dialogs: kpiSchema,
    /** Messages of both roles in the window. */
    messages: kpiSchema,
    /**
     * Mean length in characters (Unicode code points) of users' messages in the window,
     * rounded to one decimal (exactly, halves away from zero: 2.05 → 2.1); 0 when there are
     * none. Its `changePct` compares the rounded values.
     */
    avgMessageLength: kpiSchema,
  }),
  /**
   * Zero-filled: one point per bucket from `window.from` to `window.to`, oldest first.
   * Every count includes messages hidden by /reset: it hides history from the bot, not from
   * statistics.
   */
  series: z.array(seriesPointSchema),
  topUsers: z.array(topUserSchema),
  recentDialogs: z.array(recentDialogSchema),
});
export type StatsResponse = z.infer<typeof statsResponseSchema>;
