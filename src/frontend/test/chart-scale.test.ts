import { labelWidth, niceScale, X_AXIS_SPACE, xFraction, xLabels } from '@/lib/chart-scale';

describe('niceScale', () => {
  it.each([
    // max, ticks wanted above zero → step, top
    [285, 4, 100, 300],
    [95, 4, 25, 100],
    [6, 2, 5, 10],
    [6, 3, 2, 6],
    [1, 2, 1, 1],
    [3, 2, 2, 4],
    [1234, 4, 500, 1500],
    [48_000, 4, 20_000, 60_000],
    [100, 4, 25, 100],
  ])('max %d with %d ticks: step %d up to %d', (max, target, step, top) => {
    const scale = niceScale(max, target);
    expect({ step: scale.step, top: scale.top }).toEqual({ step, top });
    expect(scale.ticks[0]).toBe(0);
    expect(scale.ticks[scale.ticks.length - 1]).toBe(top);
    expect(scale.ticks.length - 1).toBeLessThanOrEqual(target);
  });

  it('only ever steps by 1, 2, 2.5 (from 25) or 5 times a power of ten, in whole numbers', () => {
    for (let max = 1; max < 200_000; max = Math.ceil(max * 1.13)) {
      for (const target of [2, 3, 4]) {
        const { step, top, ticks } = niceScale(max, target);
        const mantissa = step / 10 ** Math.floor(Math.log10(step));
        expect({ max, target, nice: [1, 2, 2.5, 5].includes(mantissa), whole: Number.isInteger(step) })
          .toEqual({ max, target, nice: true, whole: true });
        expect(top).toBeGreaterThanOrEqual(max);
        expect(top - step).toBeLessThan(max);
        expect(ticks).toEqual(Array.from({ length: top / step + 1 }, (_, i) => i * step));
      }
    }
  });

  it('draws an empty series on 0…target in steps of one', () => {
    expect(niceScale(0, 4)).toEqual({ top: 4, step: 1, ticks: [0, 1, 2, 3, 4] });
  });
});

/** UTC bucket starts: `count` hours or days ending with the one starting at `last`. */
function buckets(last: string, count: number, unit: 'hour' | 'day'): string[] {
  const end = Date.parse(last);
  const ms = unit === 'hour' ? 3_600_000 : 86_400_000;
  return Array.from({ length: count }, (_, i) => new Date(end - (count - 1 - i) * ms).toISOString());
}

const texts = (labels: { text: string }[]) => labels.map((l) => l.text);

describe('xLabels', () => {
  it('24 hours: every other hour when wide, every four hours on a phone, on round hours', () => {
    const times = buckets('2025-03-05T14:00:00Z', 24, 'hour');
    expect(texts(xLabels(times, 'hour', X_AXIS_SPACE.wide))).toEqual(
      ['16:00', '18:00', '20:00', '22:00', '00:00', '02:00', '04:00', '06:00', '08:00', '10:00', '12:00', '14:00'],
    );
    expect(texts(xLabels(times, 'hour', X_AXIS_SPACE.narrow))).toEqual(['16:00', '20:00', '00:00', '04:00', '08:00', '12:00']);
  });

  it('7 days: every day at any width; a phone writes the day alone after the month', () => {
    const times = buckets('2025-04-02T00:00:00Z', 7, 'day');
    expect(texts(xLabels(times, 'day', X_AXIS_SPACE.wide))).toEqual(['Mar 27', 'Mar 28', 'Mar 29', 'Mar 30', 'Mar 31', 'Apr 1', 'Apr 2']);
    expect(texts(xLabels(times, 'day', X_AXIS_SPACE.narrow))).toEqual(['Mar 27', '28', '29', '30', '31', 'Apr 1', '2']);
  });

  it('30 days: every third day when wide, Mondays on a phone', () => {
    const times = buckets('2025-04-02T00:00:00Z', 30, 'day');
    const wide = xLabels(times, 'day', X_AXIS_SPACE.wide);
    expect(wide.length).toBe(10);
    expect(new Set(wide.map((l) => Math.round(Date.parse(times[l.index]) / 86_400_000) % 3))).toEqual(new Set([0]));
    expect(texts(xLabels(times, 'day', X_AXIS_SPACE.narrow))).toEqual(['Mar 10', '17', '24', '31']);
    expect(xLabels(times, 'day', X_AXIS_SPACE.narrow).every((l) => new Date(times[l.index]).getUTCDay() === 1)).toBe(true);
  });

  it('90 days: every other Monday', () => {
    const times = buckets('2025-04-02T00:00:00Z', 90, 'day');
    expect(texts(xLabels(times, 'day', X_AXIS_SPACE.wide))).toEqual(['Jan 6', 'Jan 20', 'Feb 3', 'Feb 17', 'Mar 3', 'Mar 17', 'Mar 31']);
    expect(texts(xLabels(times, 'day', X_AXIS_SPACE.narrow))).toEqual(['Jan 6', '20', 'Feb 3', '17', 'Mar 3', '17', '31']);
  });

  it('years of days: months with the year where it changes', () => {
    const times = buckets('2026-02-10T00:00:00Z', 800, 'day');
    const labels = texts(xLabels(times, 'day', X_AXIS_SPACE.narrow));
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(labels.filter((t) => /^Jan \d{4}$/.test(t))).toEqual(['Jan 2024', 'Jan 2025', 'Jan 2026']);
    expect(labels.every((t) => /^[A-Z][a-z]{2}( \d{4})?$/.test(t))).toBe(true);
  });

  it('never lets two labels touch at the width they are drawn for, whatever the window', () => {
    for (const [unit, counts] of [['hour', [1, 2, 12, 24]], ['day', [1, 2, 3, 7, 8, 14, 30, 31, 45, 90, 120, 365, 1000]]] as const) {
      for (const count of counts) {
        for (const end of ['2025-01-01T00:00:00Z', '2025-03-05T13:00:00Z', '2025-12-31T23:00:00Z']) {
          const times = buckets(unit === 'day' ? end.slice(0, 10) + 'T00:00:00Z' : end, count, unit);
          for (const space of [X_AXIS_SPACE.narrow, X_AXIS_SPACE.wide]) {
            const labels = xLabels(times, unit, space);
            expect(labels.length).toBeGreaterThanOrEqual(Math.min(count, 2));
            for (let i = 1; i < labels.length; i++) {
              const gap = (xFraction(labels[i].index, count) - xFraction(labels[i - 1].index, count)) * space.width
                - (labelWidth(labels[i].text) + labelWidth(labels[i - 1].text)) / 2;
              expect({ unit, count, end, gap: gap >= 6 }).toEqual({ unit, count, end, gap: true });
            }
          }
        }
      }
    }
  });

  it('puts one point in the middle, and spreads several from edge to edge', () => {
    expect(xFraction(0, 1)).toBe(0.5);
    expect([0, 1, 2].map((i) => xFraction(i, 3))).toEqual([0, 0.5, 1]);
  });
});
