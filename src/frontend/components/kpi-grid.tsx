import type { Period, StatsResponse } from '@dialogstack/contract';
import { KpiCard } from './kpi-card';
import { formatCount, formatDecimal } from '@/lib/format';
import { PERIOD_TEXT } from '@/lib/periods';

export function KpiGrid({ kpis, period }: { kpis: StatsResponse['kpis']; period: Period }) {
  const comparedWith = PERIOD_TEXT[period].previous;
  return (
    // The outline reads h1 Usage → h2 Key figures → h3 per figure → h2 per panel.
    <section aria-labelledby="kpi-title">
      <h2 className="sr-only" id="kpi-title">Key figures</h2>
      <div className="kpi-grid">
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
      </div>
    </section>
  );
}
