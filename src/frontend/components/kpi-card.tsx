import type { Kpi } from '@dialogstack/contract';
import { formatTrend, type TrendDirection } from '@/lib/format';

export interface KpiCardProps {
  /** Stable id for tests and styling, e.g. `messages`. */
  readonly id: string;
  readonly label: string;
  readonly kpi: Kpi;
  /** The value as people read it, e.g. `1,204` or `42.5`. */
  readonly display: string;
  readonly unit?: string;
  /** `previous 7 days`; null when the period has no previous window. */
  readonly comparedWith: string | null;
}

const ARROW: Record<TrendDirection, string> = { up: '\u2191', down: '\u2193', flat: '\u2192', none: '\u2013' };
const SPOKEN: Record<TrendDirection, string> = { up: 'Up', down: 'Down', flat: 'Unchanged', none: '' };

export function KpiCard({ id, label, kpi, display, unit, comparedWith }: KpiCardProps) {
  const trend = formatTrend(kpi);
  const labelId = `kpi-${id}-label`;
  return (
    <article className="card kpi" data-kpi={id} data-value={kpi.value} aria-labelledby={labelId}>
      <h3 className="kpi__label" id={labelId}>{label}</h3>
      <p className="kpi__value">
        {display}
        {unit ? <span className="kpi__unit"> {unit}</span> : null}
      </p>
      <p className={`kpi__trend kpi__trend--${trend.direction}`} data-trend={trend.direction}>
        <span className="kpi__delta">
          <span className="kpi__arrow" aria-hidden="true">{ARROW[trend.direction]}</span>
          {SPOKEN[trend.direction] ? <span className="sr-only">{SPOKEN[trend.direction]} </span> : null}
          <span className="kpi__change">{trend.text}</span>
        </span>
        {trend.direction !== 'none' && comparedWith ? <span className="kpi__baseline"> vs {comparedWith}</span> : null}
      </p>
    </article>
  );
}
