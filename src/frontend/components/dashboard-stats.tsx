import type { Period } from '@dialogstack/contract';
import { ActivityChart } from './activity-chart';
import { KpiGrid } from './kpi-grid';
import { RecentDialogs } from './recent-dialogs';
import { ApiErrorState, EmptyState } from './states';
import { TopUsers } from './top-users';
import type { StatsResult } from '@/lib/api';
import { toChartRows } from '@/lib/chart-data';
import { chartSummary } from '@/lib/chart-summary';
import { formatUtc } from '@/lib/format';

/** Everything that needs the api, rendered on the server from its answer (or its failure). */
export function DashboardStats({ result, period }: { result: StatsResult; period: Period }) {
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

/** The same once a slow api answers: streamed in behind the skeleton. */
export async function StreamedDashboardStats({ result, period }: { result: Promise<StatsResult>; period: Period }) {
  return <DashboardStats result={await result} period={period} />;
}
