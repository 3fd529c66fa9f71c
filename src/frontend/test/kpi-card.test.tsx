import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import { statsFixture } from './support/stats-fixture';
import { KpiCard } from '@/components/kpi-card';
import { KpiGrid } from '@/components/kpi-grid';

function card(kpi: { value: number; previous: number | null; changePct: number | null }, comparedWith: string | null = 'previous 7 days') {
  render(<KpiCard id="messages" label="Messages" kpi={kpi} display={String(kpi.value)} comparedWith={comparedWith} />);
  return screen.getByRole('article', { name: 'Messages' });
}

describe('KpiCard', () => {
  it('shows a rise with an up arrow, the rounded percentage and the window it compares with', () => {
    const el = card({ value: 120, previous: 100, changePct: 20.04 });
    expect(el).toHaveTextContent('120');
    expect(el.querySelector('[data-trend]')).toHaveAttribute('data-trend', 'up');
    expect(el).toHaveTextContent('↑Up +20.0% vs previous 7 days');
  });

  it('shows a fall with a down arrow and a minus sign', () => {
    const el = card({ value: 75, previous: 100, changePct: -25 });
    expect(el.querySelector('[data-trend]')).toHaveAttribute('data-trend', 'down');
    expect(el).toHaveTextContent('↓Down −25.0% vs previous 7 days');
  });

  it('calls a change that rounds to zero unchanged', () => {
    const el = card({ value: 1000, previous: 1000, changePct: 0.04 });
    expect(el.querySelector('[data-trend]')).toHaveAttribute('data-trend', 'flat');
    expect(el).toHaveTextContent('Unchanged 0%');
  });

  it('says "no previous data" when changePct is null, without a percentage or a comparison', () => {
    const el = card({ value: 5, previous: 0, changePct: null });
    expect(el.querySelector('[data-trend]')).toHaveAttribute('data-trend', 'none');
    expect(el).toHaveTextContent('no previous data');
    expect(el).not.toHaveTextContent('%');
    expect(el).not.toHaveTextContent('vs previous');
  });
});

describe('KpiGrid', () => {
  it('renders the five KPIs of the contract, formatted, with the unit of the average length', () => {
    const { kpis } = statsFixture('7d');
    render(<KpiGrid kpis={kpis} period="7d" />);
    const value = (name: string) => screen.getByRole('article', { name }).querySelector('.kpi__value')?.textContent;
    expect(value('Total users')).toBe('42');
    expect(value('Active users')).toBe('12');
    expect(value('Dialogs')).toBe('15');
    expect(value('Messages')).toBe('1,234');
    expect(value('Avg message length')).toBe('57.3 chars');
  });

  it('has no trends for "all": there is no previous window', () => {
    const { kpis } = statsFixture('all');
    render(<KpiGrid kpis={kpis} period="all" />);
    expect(screen.getAllByText('no previous data')).toHaveLength(5);
  });
});
