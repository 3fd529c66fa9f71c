import type { Bucket, ChartRow } from './chart-data';
import { formatCount } from './format';

/** What the activity chart shows, in words, for screen readers (the SVG itself is not readable). */
export function chartSummary(rows: readonly ChartRow[], bucket: Bucket): string {
  const total = rows.reduce((sum, row) => sum + row.messages, 0);
  if (rows.length === 0 || total === 0) return 'Activity chart: no messages in this period.';
  const busiest = rows.reduce((best, row) => (row.messages > best.messages ? row : best));
  const peakUsers = Math.max(...rows.map((row) => row.activeUsers));
  const unit = bucket === 'hour' ? 'hour' : 'day';
  return `Activity chart: ${formatCount(total)} messages; busiest ${unit} ${busiest.fullLabel} with ${formatCount(busiest.messages)}; at most ${formatCount(peakUsers)} active users in one ${unit}.`;
}
