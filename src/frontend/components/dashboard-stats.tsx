import type { Period } from '@dialogstack/contract';
import { ActivityChart } from './activity-chart';
import { KpiGrid } from './kpi-grid';
import { RecentDialogs } from './recent-dialogs';
import { ApiErrorState, EmptyState } from './states';
import { TopUsers } from './top-users';
import { fetchStats } from '@/lib/api';
import { toChartRows } from '@/lib/chart-data';
import { chartSummary } from '@/lib/chart-summary';
import type { DashboardConfig } from '@/lib/config';
import { formatUtc } from '@/lib/format';

/** Everything that needs the api: fetched on the server, streamed in behind the skeleton. */
export async function DashboardStats({ config, period }: { config: DashboardConfig; period: Period }) {
  const result = await fetchStats(config, period);
  if (!result.ok) return <ApiErrorState problem={result.problem} retryHref={`/?period=${period}`} />;
  const { stats } = result;
  if (stats.kpis.totalUsers.value === 0) return <EmptyState />;

  const rows = toChartRows(stats.series, stats.window.bucket);
  return (
    <div className="dashboard" data-stats-period={stats.period}>
      <KpiGrid kpis={stats.kpis} period={stats.period} />
      <section className="card chart-card" aria-labelledby="activity-title">
        <h2 className="panel__title" id="activity-title">Activity per {stats.window.bucket}</h2>
        <ActivityChart rows={rows} bucket={stats.window.bucket} summary={chartSummary(rows, stats.window.bucket)} />
      </section>
      <div className="panels">
        <TopUsers users={stats.topUsers} generatedAt={stats.generatedAt} />
        <RecentDialogs dialogs={stats.recentDialogs} generatedAt={stats.generatedAt} />
      </div>
      <p className="footnote">
        {formatUtc(stats.window.from)} – {formatUtc(stats.window.to)} · updated {formatUtc(stats.generatedAt)}
      </p>
    </div>
  );
}
