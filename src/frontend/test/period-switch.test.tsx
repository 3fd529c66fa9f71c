import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PeriodSwitch } from '@/components/period-switch';

const push = jest.fn();
let currentSearch = 'period=7d';
jest.mock('next/navigation', () => ({
  useRouter: () => ({ push }),
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(currentSearch),
}));

const OPTIONS = [
  { value: '24h', label: '24h', description: 'Last 24 hours' },
  { value: '7d', label: '7d', description: 'Last 7 days' },
  { value: '30d', label: '30d', description: 'Last 30 days' },
  { value: 'all', label: 'All', description: 'All time' },
];

beforeEach(() => {
  push.mockClear();
  currentSearch = 'period=7d';
});

describe('PeriodSwitch', () => {
  it('marks the current period as pressed', () => {
    render(<PeriodSwitch options={OPTIONS} current="7d" />);
    expect(screen.getByRole('group', { name: 'Reporting period' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '7d' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('button', { name: '30d' })).toHaveAttribute('aria-pressed', 'false');
  });

  it('puts the chosen period in the URL, keeping the other query parameters', async () => {
    currentSearch = 'period=7d&utm=mail';
    render(<PeriodSwitch options={OPTIONS} current="7d" />);
    await userEvent.click(screen.getByRole('button', { name: '30d' }));
    expect(push).toHaveBeenCalledTimes(1);
    expect(push).toHaveBeenCalledWith('/?period=30d&utm=mail', { scroll: false });
  });

  it('adds ?period= when the URL had none (the default view)', async () => {
    currentSearch = '';
    render(<PeriodSwitch options={OPTIONS} current="7d" />);
    await userEvent.click(screen.getByRole('button', { name: 'All' }));
    expect(push).toHaveBeenCalledWith('/?period=all', { scroll: false });
  });

  it('does not navigate when the current period is clicked again', async () => {
    render(<PeriodSwitch options={OPTIONS} current="7d" />);
    await userEvent.click(screen.getByRole('button', { name: '7d' }));
    expect(push).not.toHaveBeenCalled();
  });
});
