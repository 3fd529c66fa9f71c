import { statsFixture } from './support/stats-fixture';
import { toChartRows } from '@/lib/chart-data';
import { chartSummary } from '@/lib/chart-summary';

describe('toChartRows', () => {
  // A machine far from UTC: labels must not move with it.
  const machineZone = process.env.TZ;
  beforeAll(() => { process.env.TZ = 'America/Los_Angeles'; });
  afterAll(() => { process.env.TZ = machineZone; });

  it('maps an hourly series to rows with UTC hour ticks, whatever the machine time zone', () => {
    const rows = toChartRows(
      [
        { t: '2025-03-09T23:00:00.000Z', messages: 4, activeUsers: 2 },
        { t: '2025-03-10T00:00:00.000Z', messages: 0, activeUsers: 0 },
      ],
      'hour',
    );
    expect(rows).toEqual([
      { t: '2025-03-09T23:00:00.000Z', label: '23:00', fullLabel: 'Mar 9, 23:00 UTC', messages: 4, activeUsers: 2 },
      { t: '2025-03-10T00:00:00.000Z', label: '00:00', fullLabel: 'Mar 10, 00:00 UTC', messages: 0, activeUsers: 0 },
    ]);
  });

  it('labels daily buckets by their UTC date', () => {
    const [row] = toChartRows([{ t: '2025-03-05T00:00:00.000Z', messages: 9, activeUsers: 3 }], 'day');
    expect(row.label).toBe('Mar 5');
    expect(row.fullLabel).toBe('Wed, Mar 5, 2025 UTC');
  });

  it('keeps every point of a zero-filled contract series, in order', () => {
    const stats = statsFixture('24h');
    const rows = toChartRows(stats.series, stats.window.bucket);
    expect(rows.map((r) => r.t)).toEqual(stats.series.map((p) => p.t));
    expect(rows.map((r) => r.messages)).toEqual(stats.series.map((p) => p.messages));
  });
});

describe('chartSummary', () => {
  it('names the total, the busiest bucket and the peak of active users', () => {
    const rows = toChartRows(
      [
        { t: '2025-03-04T00:00:00.000Z', messages: 1200, activeUsers: 3 },
        { t: '2025-03-05T00:00:00.000Z', messages: 300, activeUsers: 7 },
      ],
      'day',
    );
    expect(chartSummary(rows, 'day')).toBe(
      'Activity chart: 1,500 messages; busiest day Tue, Mar 4, 2025 UTC with 1,200; at most 7 active users in one day.',
    );
  });

  it('says when there is nothing to draw', () => {
    expect(chartSummary(toChartRows([{ t: '2025-03-05T00:00:00.000Z', messages: 0, activeUsers: 0 }], 'day'), 'day')).toBe(
      'Activity chart: no messages in this period.',
    );
  });
});
