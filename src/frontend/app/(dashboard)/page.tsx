import { PERIODS, type Period } from '@dialogstack/contract';
import { Suspense } from 'react';
import { DashboardSkeleton } from '@/components/dashboard-skeleton';
import { DashboardStats, StreamedDashboardStats } from '@/components/dashboard-stats';
import { PeriodSwitch } from '@/components/period-switch';
import { ConfigErrorState } from '@/components/states';
import { fetchStats, STATS_WAIT_MS } from '@/lib/api';
import { requireSession } from '@/lib/auth';
import { readConfig } from '@/lib/config';
import { PERIOD_TEXT, parsePeriod } from '@/lib/periods';
import { settledWithin } from '@/lib/settled-within';

export const metadata = { title: 'Usage' };

const PERIOD_OPTIONS = PERIODS.map((p: Period) => ({ value: p, label: PERIOD_TEXT[p].short, description: PERIOD_TEXT[p].long }));

export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const result = readConfig();
  if (!result.ok) return <ConfigErrorState problems={result.problems} />;
  await requireSession(result.config);
  const period = parsePeriod((await searchParams).period);
  // A quick answer is part of the page; a slow one streams in behind the skeleton (STATS_WAIT_MS).
  const stats = fetchStats(result.config, period);
  const answered = await settledWithin(stats, STATS_WAIT_MS);

  return (
    <>
      <div className="page-head">
        <div>
          <h1 className="page-head__title">Usage</h1>
          <p className="page-head__subtitle">{PERIOD_TEXT[period].long} · times in UTC</p>
        </div>
        <PeriodSwitch options={PERIOD_OPTIONS} current={period} />
      </div>
      {/* Keyed by period: a slow window shows its own skeleton, never the numbers of the period before. */}
      {answered ? <DashboardStats key={period} result={answered} period={period} /> : (
        <Suspense key={period} fallback={<DashboardSkeleton />}>
          <StreamedDashboardStats result={stats} period={period} />
        </Suspense>
      )}
    </>
  );
}
