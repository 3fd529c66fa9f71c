import { DashboardSkeleton } from '@/components/dashboard-skeleton';

export default function Loading() {
  return (
    <>
      <div className="page-head" aria-hidden="true">
        <div>
          <span className="skeleton skeleton--title" />
          <span className="skeleton skeleton--text" style={{ width: '10rem' }} />
        </div>
      </div>
      <DashboardSkeleton />
    </>
  );
}
