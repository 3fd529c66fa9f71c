import '@testing-library/jest-dom';
import { fireEvent, render } from '@testing-library/react';
import { ActivityChart } from '@/components/activity-chart';
import { toChartRows } from '@/lib/chart-data';

// jsdom has no PointerEvent; a MouseEvent carries the clientX the read-out needs.
beforeAll(() => {
  window.PointerEvent ??= class extends MouseEvent {} as typeof PointerEvent;
});

const week = toChartRows([3, 250, 0, 120, 285, 40, 9].map((messages, i) => ({
  t: new Date(Date.UTC(2025, 2, 27 + i)).toISOString(),
  messages,
  activeUsers: [1, 6, 0, 4, 5, 2, 1][i],
})), 'day');

function chart() {
  const { container } = render(<ActivityChart rows={week} bucket="day" summary="Activity chart: 707 messages." />);
  return container.querySelector<HTMLElement>('.chart')!;
}

describe('ActivityChart', () => {
  it('is one image to assistive technology, described by its summary', () => {
    const el = chart();
    expect(el).toHaveAttribute('role', 'img');
    expect(el).toHaveAccessibleName('Activity chart: 707 messages.');
  });

  it('draws messages and active users on scales of their own, with nice ticks', () => {
    const el = chart();
    expect(el.querySelector('[data-series="messages"]')).toHaveAttribute('data-ticks', '0 100 200 300');
    expect(el.querySelector('[data-series="activeUsers"]')).toHaveAttribute('data-ticks', '0 5 10');
    const yLabels = [...el.querySelectorAll('[data-series="activeUsers"] .chart__y')].map((y) => y.textContent);
    expect(yLabels).toEqual(['0', '5', '10']);
    expect(el.querySelectorAll('.chart__line')).toHaveLength(2);
    // The busiest day (285 of 300) is drawn near the top of its panel.
    expect(el.querySelector('.chart__line--messages')!.getAttribute('d')).toContain('L666.6667 5');
  });

  it('labels every day, compactly for a phone', () => {
    const el = chart();
    expect([...el.querySelectorAll('.chart__x-label--wide')].map((l) => l.textContent)).toEqual(['Mar 27', 'Mar 28', 'Mar 29', 'Mar 30', 'Mar 31', 'Apr 1', 'Apr 2']);
    expect([...el.querySelectorAll('.chart__x-label--narrow')].map((l) => l.textContent)).toEqual(['Mar 27', '28', '29', '30', '31', 'Apr 1', '2']);
  });

  it('reads out both values of the day under the pointer', () => {
    const el = chart();
    const layer = el.querySelector<HTMLElement>('.chart__pointer')!;
    layer.getBoundingClientRect = () => ({ left: 100, width: 600, top: 0, height: 200, right: 700, bottom: 200, x: 100, y: 0, toJSON: () => '' });
    fireEvent.pointerMove(layer, { clientX: 100 + 600 * (4 / 6) + 20 });
    const tooltip = el.querySelector('.chart-tooltip')!;
    expect(tooltip).toHaveTextContent('Mon, Mar 31, 2025 UTC');
    expect(tooltip).toHaveTextContent('Messages285');
    expect(tooltip).toHaveTextContent('Active users5');
    expect(el.querySelectorAll('.chart__dot')).toHaveLength(2);
    fireEvent.pointerLeave(layer);
    expect(el.querySelector('.chart-tooltip')).toBeNull();
  });
});
