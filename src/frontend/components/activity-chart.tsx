'use client';

import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { CHART_SERIES as SERIES, type ChartRow } from '@/lib/chart-data';

const numbers = new Intl.NumberFormat('en-US');

/** Messages and active users per bucket. Rows arrive ready-made (UTC labels) from the server. */
export function ActivityChart({ rows, summary }: { rows: readonly ChartRow[]; summary: string }) {
  return (
    <div className="chart" role="img" aria-label={summary}>
      <AreaChart responsive data={[...rows]} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} style={{ width: '100%', height: '100%' }}>
        <defs>
          {SERIES.map((s) => (
            <linearGradient key={s.key} id={`fill-${s.key}`} x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor={s.color} stopOpacity={0.28} />
              <stop offset="100%" stopColor={s.color} stopOpacity={0.02} />
            </linearGradient>
          ))}
        </defs>
        <CartesianGrid vertical={false} stroke="var(--border)" strokeDasharray="3 4" />
        <XAxis dataKey="label" tickLine={false} axisLine={false} minTickGap={28} tick={{ fill: 'var(--text-muted)', fontSize: 12 }} />
        <YAxis allowDecimals={false} width={44} tickLine={false} axisLine={false} tick={{ fill: 'var(--text-muted)', fontSize: 12 }} />
        <Tooltip content={ChartTooltip} cursor={{ stroke: 'var(--border-strong)' }} />
        {SERIES.map((s) => (
          <Area
            key={s.key}
            // Straight segments: each point is a bucket total; a smoothed curve would draw
            // values between buckets that never happened.
            type="linear"
            dataKey={s.key}
            name={s.name}
            stroke={s.color}
            strokeWidth={2}
            fill={`url(#fill-${s.key})`}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    </div>
  );
}

function ChartTooltip({ active, payload }: TooltipContentProps) {
  const row = payload?.[0]?.payload as ChartRow | undefined;
  if (!active || !row) return null;
  return (
    <div className="chart-tooltip">
      <p className="chart-tooltip__title">{row.fullLabel}</p>
      {SERIES.map((s) => (
        <p key={s.key} className="chart-tooltip__row">
          <span className="legend-dot" style={{ background: s.color }} aria-hidden="true" />
          {s.name}
          <strong>{numbers.format(row[s.key])}</strong>
        </p>
      ))}
    </div>
  );
}
