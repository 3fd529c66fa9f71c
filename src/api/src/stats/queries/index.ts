import { StatsWindow } from '../stats-window';
import { allTimeStatement } from './all-time.query';
import { dailyWindowStatement } from './daily-window.query';
import { hourlyWindowStatement } from './hourly-window.query';
import { Statement } from './stats-row';

export * from './stats-row';

/** The one statement that computes a whole statistics response for `window`. */
export function statsStatement(window: StatsWindow, limit: number): Statement {
  if (window.period === 'all') return allTimeStatement(window, limit);
  return window.bucket === 'hour' ? hourlyWindowStatement(window, limit) : dailyWindowStatement(window, limit);
}
