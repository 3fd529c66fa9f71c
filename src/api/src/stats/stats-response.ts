import { Kpi, RecentDialog, StatsResponse, TopUser, UserSummary } from '@dialogstack/contract';
import { KpiTotals, RecentDialogRow, StatsRow, UserColumns } from './queries';
import { StatsWindow } from './stats-window';

/** Longest preview, in UTF-16 code units (what the contract's max(160) counts), ellipsis included. */
export const PREVIEW_MAX = 160;

export function toStatsResponse(window: StatsWindow, row: StatsRow): StatsResponse {
  const k = row.kpis;
  const to = window.to.toISOString();
  return {
    period: window.period,
    generatedAt: to,
    window: { from: iso(row.from_ts), to, bucket: window.bucket },
    kpis: {
      totalUsers: kpi(k.total_users, k.total_users_prev),
      activeUsers: kpi(k.active_users, k.active_users_prev),
      dialogs: kpi(k.dialogs, k.dialogs_prev),
      messages: kpi(k.messages, k.messages_prev),
      avgMessageLength: kpi(averageLength(k.user_length, k.user_messages), previousAverageLength(k)),
    },
    series: row.series.map((p) => ({ t: iso(p.t), messages: p.messages, activeUsers: p.active_users })),
    topUsers: row.top_users.map((u): TopUser => ({ ...userSummary(u), messages: u.messages, lastActiveAt: iso(u.last_at) })),
    recentDialogs: row.recent_dialogs.map(recentDialog),
  };
}

/**
 * `value` and `previous` are counts or one-decimal averages, so in tenths both are integers and
 * the change is the exact ratio (value − previous) × 100 / previous, rounded in integer arithmetic.
 */
export function kpi(value: number, previous: number | null): Kpi {
  if (previous === null || previous === 0) return { value, previous, changePct: null };
  const [v, p] = [tenths(value), tenths(previous)];
  return { value, previous, changePct: roundedTenths((v - p) * 1000n, p) };
}

/** "Ada Lovelace", else "@ada", else "User 42" (also for a user row that no longer exists). */
export function displayName(u: UserColumns): string {
  const name = [u.first_name, u.last_name].map((part) => part?.trim()).filter(Boolean).join(' ');
  if (name) return name;
  return u.username ? `@${u.username}` : `User ${u.user_id}`;
}

/** Whitespace collapsed; cut at a code point boundary with "…" when longer than PREVIEW_MAX. */
export function preview(text: string | null): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  if (flat.length <= PREVIEW_MAX) return flat;
  let cut = '';
  for (const ch of flat) {
    if (cut.length + ch.length > PREVIEW_MAX - 1) break;
    cut += ch;
  }
  return `${cut.trimEnd()}…`;
}

function userSummary(u: UserColumns): UserSummary {
  return { id: u.user_id, username: u.username, displayName: displayName(u) };
}

function recentDialog(d: RecentDialogRow): RecentDialog {
  return {
    chatId: d.chat_id,
    user: userSummary(d),
    messages: d.messages,
    lastMessageAt: iso(d.last_message_at),
    lastMessagePreview: preview(d.preview),
  };
}

export function averageLength(length: number, messages: number): number {
  return messages > 0 ? roundedTenths(BigInt(length) * 10n, BigInt(messages)) : 0;
}

function previousAverageLength(k: KpiTotals): number | null {
  return k.user_messages_prev === null || k.user_length_prev === null ? null : averageLength(k.user_length_prev, k.user_messages_prev);
}

/** A count or a one-decimal number in tenths, exactly (n × 10 of a one-decimal double is within 1e-15 of an integer). */
const tenths = (n: number) => BigInt(Math.round(n * 10));

/**
 * numerator / denominator tenths as a number with one decimal: the quotient rounded to the nearest
 * integer, halves away from zero (the contract's tie rule), in bigint arithmetic.
 */
function roundedTenths(numerator: bigint, denominator: bigint): number {
  const negative = (numerator < 0n) !== (denominator < 0n);
  const [n, d] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
  const rounded = n / d + (2n * (n % d) >= d ? 1n : 0n);
  return Number(negative ? -rounded : rounded) / 10;
}

/** PostgreSQL's JSON timestamps ("2026-01-02T03:04:05.678+00:00") as the contract's UTC ISO form. */
const iso = (t: string | Date) => new Date(t).toISOString();
