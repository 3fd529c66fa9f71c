import { z } from 'zod';

/** Reporting windows the dashboard offers. `all` has no previous window, so no trends. */
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
 * One KPI with its trend. `previous` is the same measure over the window of equal length
 * just before this one; `changePct` is null when there is no previous window (`all`) or
 * the previous value is zero (a percentage of zero is undefined, not "+∞%").
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
  /** Distinct users who wrote in the bucket. */
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

export const topUserSchema = userSummarySchema.extend({
  messages: z.number().int().nonnegative(),
  lastActiveAt: isoTimestamp,
});
export type TopUser = z.infer<typeof topUserSchema>;

export const recentDialogSchema = z.object({
  chatId: z.string(),
  user: userSummarySchema,
  messages: z.number().int().nonnegative(),
  lastMessageAt: isoTimestamp,
  /** First characters of the last message, for a glance; never the whole text. */
  lastMessagePreview: z.string().max(160),
});
export type RecentDialog = z.infer<typeof recentDialogSchema>;

export const statsResponseSchema = z.object({
  period: periodSchema,
  generatedAt: isoTimestamp,
  window: z.object({
    from: isoTimestamp,
    to: isoTimestamp,
    bucket: z.enum(['hour', 'day']),
  }),
  kpis: z.object({
    /** Users known at the end of the window. */
    totalUsers: kpiSchema,
    /** Users who wrote at least one message in the window. */
    activeUsers: kpiSchema,
    /** Distinct chats with at least one message in the window. */
    dialogs: kpiSchema,
    /** Messages of both roles in the window (messages hidden by /reset included). */
    messages: kpiSchema,
    /** Mean length in characters of users' messages in the window. */
    avgMessageLength: kpiSchema,
  }),
  /** Zero-filled: one point per bucket from `window.from` to `window.to`. */
  series: z.array(seriesPointSchema),
  topUsers: z.array(topUserSchema),
  recentDialogs: z.array(recentDialogSchema),
});
export type StatsResponse = z.infer<typeof statsResponseSchema>;
