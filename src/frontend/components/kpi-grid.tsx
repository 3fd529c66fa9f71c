import type { Period, StatsResponse } from '@dialogstack/contract';
import { KpiCard } from './kpi-card';
import { formatCount, formatDecimal } from '@/lib/format';
import { PERIOD_TEXT } from '@/lib/periods';

export function KpiGrid({ kpis, period }: { kpis: StatsResponse['kpis']; period: Period }) {
  const comparedWith = PERIOD_TEXT[period].previous;
  return (
    <section className="kpi-grid" aria-label="Key figures">
      <KpiCard id="totalUsers" label="Total users" kpi={kpis.totalUsers} display={formatCount(kpis.totalUsers.value)} comparedWith={comparedWith} />
      <KpiCard id="activeUsers" label="Active users" kpi={kpis.activeUsers} display={formatCount(kpis.activeUsers.value)} comparedWith={comparedWith} />
      <KpiCard id="dialogs" label="Dialogs" kpi={kpis.dialogs} display={formatCount(kpis.dialogs.value)} comparedWith={comparedWith} />
      <KpiCard id="messages" label="Messages" kpi={kpis.messages} display={formatCount(kpis.messages.value)} comparedWith={comparedWith} />
      <KpiCard
        id="avgMessageLength"
        label="Avg message length"
        kpi={kpis.avgMessageLength}
        display={formatDecimal(kpis.avgMessageLength.value)}
        unit="chars"
        comparedWith={comparedWith}
      />
    </section>
  );
}
