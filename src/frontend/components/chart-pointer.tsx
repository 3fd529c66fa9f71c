'use client';

import { useState, type CSSProperties, type PointerEvent } from 'react';
import { groupDigits } from '@/lib/group-digits';

/** One bucket as the read-out needs it: its heading, x and each series' value and y (fractions of the plot). */
export interface PointerRow {
  readonly label: string;
  readonly x: number;
  readonly values: readonly number[];
  readonly y: readonly number[];
}

/**
 * The chart's pointer read-out: a cursor across both panels, a dot on each line and a
 * tooltip with both values of the bucket nearest the pointer (mouse, pen or a finger
 * sliding sideways; vertical swipes still scroll the page). Screen readers get the chart's
 * summary instead, so this layer is hidden from them.
 */
export function ChartPointer({ rows, series }: { rows: readonly PointerRow[]; series: readonly { name: string; color: string }[] }) {
  const [active, setActive] = useState<number | null>(null);

  function track(event: PointerEvent<HTMLDivElement>) {
    const box = event.currentTarget.getBoundingClientRect();
    if (rows.length === 0 || box.width <= 0) return;
    const at = (event.clientX - box.left) / box.width;
    let nearest = 0;
    for (let i = 1; i < rows.length; i++) if (Math.abs(rows[i].x - at) < Math.abs(rows[nearest].x - at)) nearest = i;
    setActive(nearest);
  }

  const row = active === null ? undefined : rows[active];
  return (
    <div className="chart__pointer" aria-hidden="true" onPointerMove={track} onPointerDown={track} onPointerLeave={() => setActive(null)}>
      {row ? (
        <>
          <span className="chart__cursor" style={{ left: `${row.x * 100}%` }} />
          {row.y.map((y, i) => (
            <span key={series[i].name} className={`chart__dot chart__dot--${i}`} style={{ 'left': `${row.x * 100}%`, 'background': series[i].color, '--y': y } as CSSProperties} />
          ))}
          <div className={`chart-tooltip chart-tooltip--${row.x > 0.5 ? 'left' : 'right'}`} style={{ left: `${row.x * 100}%` }} data-index={active}>
            <p className="chart-tooltip__title">{row.label}</p>
            {series.map((s, i) => (
              <p key={s.name} className="chart-tooltip__row">
                <span className="legend-dot" style={{ background: s.color }} />
                {s.name}
                <strong>{groupDigits(row.values[i])}</strong>
              </p>
            ))}
          </div>
        </>
      ) : null}
    </div>
  );
}
