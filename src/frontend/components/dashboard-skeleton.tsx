/** Placeholder with the dashboard's shape, shown while the api answers. */
export function DashboardSkeleton() {
  return (
    <div className="dashboard" aria-busy="true" data-state="loading">
      <p className="sr-only" role="status">Loading statistics…</p>
      <div className="kpi-grid" aria-hidden="true">
        {Array.from({ length: 5 }, (_, i) => (
          <div key={i} className="card kpi">
            <span className="skeleton skeleton--text" style={{ width: '55%' }} />
            <span className="skeleton skeleton--value" />
            <span className="skeleton skeleton--text" style={{ width: '70%' }} />
          </div>
        ))}
      </div>
      <div className="card chart-card" aria-hidden="true">
        <span className="skeleton skeleton--text" style={{ width: '20%' }} />
        <span className="skeleton skeleton--chart" />
      </div>
      <div className="panels" aria-hidden="true">
        {Array.from({ length: 2 }, (_panel, i) => (
          <div key={i} className="card panel">
            <span className="skeleton skeleton--text" style={{ width: '30%' }} />
            {Array.from({ length: 4 }, (_row, j) => <span key={j} className="skeleton skeleton--row" />)}
          </div>
        ))}
      </div>
    </div>
  );
}
