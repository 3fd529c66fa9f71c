import type { Bucket } from './chart-data';

/** A y axis from 0: the top of the scale and the values that get a tick and a grid line. */
export interface YScale {
  readonly top: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/**
 * "Nice" ticks for counts: a step of 1, 2, 2.5 (from 25 up), 5 × a power of ten, the
 * smallest that needs at most `target` steps above zero; the top is the first tick at or
 * above `max`. 285 with 4 ticks → 0, 100, 200, 300 (never 0, 95, 190, 285).
 */
export function niceScale(max: number, target: number): YScale {
  if (!(target >= 1)) throw new RangeError('target must be at least 1');
  if (!(max > 0)) return { top: target, step: 1, ticks: range(0, target, 1) };
  const raw = max / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const factors = power >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10];
  const step = Math.max(1, factors.map((f) => f * power).find((candidate) => candidate >= raw - 1e-9)!);
  const top = Math.ceil(max / step - 1e-9) * step;
  return { top, step, ticks: range(0, top, step) };
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to + step / 2; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

/** One x-axis label: which point it stands under and its text. */
export interface XLabel {
  readonly index: number;
  readonly text: string;
}

/** Calendar-aligned label steps: hours of the day, days, weeks from Monday, months. */
type Step = { readonly unit: 'hour' | 'day' | 'week' | 'month'; readonly every: number };
const HOUR_STEPS: Step[] = [1, 2, 3, 4, 6, 12].map((every) => ({ unit: 'hour', every }));
const DAY_STEPS: Step[] = [
  ...[1, 2, 3].map((every) => ({ unit: 'day' as const, every })),
  ...[1, 2].map((every) => ({ unit: 'week' as const, every })),
  ...[1, 2, 3, 6, 12].map((every) => ({ unit: 'month' as const, every })),
];

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Does the bucket starting at `at` (UTC) begin a step? Steps count from fixed calendar origins, so labels do not jump when the window moves. */
function starts(at: Date, step: Step): boolean {
  const days = Math.floor(at.getTime() / DAY_MS);
  switch (step.unit) {
    case 'hour': return at.getUTCHours() % step.every === 0;
    case 'day': return days % step.every === 0;
    // 1970-01-05 was a Monday: day 4 of the epoch.
    case 'week': return (days - 4) % 7 === 0 && Math.floor((days - 4) / 7) % step.every === 0;
    case 'month': return at.getUTCDate() === 1 && (at.getUTCFullYear() * 12 + at.getUTCMonth()) % step.every === 0;
  }
}

/** Where the labels are drawn: the plot's smallest width in pixels, and whether days may be written compactly. */
export interface XAxisSpace {
  readonly width: number;
  readonly compact?: boolean;
}

/**
 * Which buckets get an x label: the finest calendar step (every hour, 2 h, 3 h…; every day,
 * 2 days, 3 days, Mondays, every other Monday, month starts…) whose labels do not touch at
 * `space.width` pixels. `compact` writes days as the day of the month alone, with the month
 * where it changes (`Mar 30`, `31`, `Apr 1`, `2`), so a phone has room for a whole week.
 */
export function xLabels(times: readonly string[], bucket: Bucket, space: XAxisSpace): XLabel[] {
  if (times.length === 0) return [];
  const dates = times.map((t) => new Date(t));
  const steps = bucket === 'hour' ? HOUR_STEPS : DAY_STEPS;
  const spansYears = dates[0].getUTCFullYear() !== dates[dates.length - 1].getUTCFullYear();
  for (const step of steps) {
    const indexes = dates.flatMap((d, i) => (starts(d, step) ? [i] : []));
    if (indexes.length === 0) continue;
    const labels = label(indexes, dates, bucket, step, spansYears, space.compact ?? false);
    if (fits(labels, dates.length, space.width)) return labels;
  }
  // Longer than the coarsest step allows (decades of days): as many evenly spaced as fit.
  for (let every = 2; ; every *= 2) {
    const indexes = dates.flatMap((_, i) => (i % every === 0 ? [i] : []));
    const labels = label(indexes, dates, bucket, { unit: 'day', every }, spansYears, false);
    if (indexes.length <= 1 || fits(labels, dates.length, space.width)) return labels;
  }
}

function label(indexes: number[], dates: Date[], bucket: Bucket, step: Step, spansYears: boolean, compact: boolean): XLabel[] {
  let previousMonth = -1;
  return indexes.map((index) => {
    const at = dates[index];
    const month = at.getUTCFullYear() * 12 + at.getUTCMonth();
    let text: string;
    if (bucket === 'hour') text = `${String(at.getUTCHours()).padStart(2, '0')}:00`;
    else if (step.unit === 'month') text = spansYears && (at.getUTCMonth() === 0 || previousMonth < 0) ? `${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}` : MONTHS[at.getUTCMonth()];
    else if (compact && month === previousMonth) text = String(at.getUTCDate());
    else text = `${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()}`;
    previousMonth = month;
    return { index, text };
  });
}

/** Approximate width in pixels of a label at the chart's 12 px: digits and letters ~7 px, spaces and colons ~4 px. */
export function labelWidth(text: string): number {
  return [...text].reduce((sum, ch) => sum + (ch === ' ' || ch === ':' ? 4 : 7), 0);
}

/** Minimum free space between two labels, in pixels. */
const LABEL_GAP = 6;

function fits(labels: readonly XLabel[], count: number, width: number): boolean {
  for (let i = 1; i < labels.length; i++) {
    const distance = (xFraction(labels[i].index, count) - xFraction(labels[i - 1].index, count)) * width;
    if (distance < (labelWidth(labels[i].text) + labelWidth(labels[i - 1].text)) / 2 + LABEL_GAP) return false;
  }
  return true;
}

/**
 * The two label sets the chart renders (CSS shows one by the chart's width): below 34rem
 * the plot is at least 236 px wide (a 360 px phone), from 34rem at least 480 px.
 */
export const X_AXIS_SPACE = {
  narrow: { width: 236, compact: true },
  wide: { width: 480 },
} as const satisfies Record<string, XAxisSpace>;

/** x position of point `index` of `count` as a fraction of the plot width (one point: the middle). */
export function xFraction(index: number, count: number): number {
  return count <= 1 ? 0.5 : index / (count - 1);
}
