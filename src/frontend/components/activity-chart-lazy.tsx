'use client';

import dynamic from 'next/dynamic';

/**
 * recharts is most of the page's JavaScript. Loaded after the page is interactive, it keeps
 * the first load small; it could not render on the server anyway (it needs the box size).
 */
export const LazyActivityChart = dynamic(() => import('./activity-chart').then((m) => m.ActivityChart), {
  ssr: false,
  loading: () => <div className="chart skeleton" aria-hidden="true" />,
});
