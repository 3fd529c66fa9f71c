'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useOptimistic, useTransition } from 'react';

export interface PeriodOption {
  readonly value: string;
  readonly label: string;
  readonly description: string;
}

/**
 * The reporting window lives in the URL (`?period=`), so a view can be shared and reloaded.
 * The pressed button moves at once; the server renders the new numbers meanwhile.
 */
export function PeriodSwitch({ options, current }: { options: readonly PeriodOption[]; current: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [selected, setSelected] = useOptimistic(current);

  function select(value: string) {
    if (value === selected) return;
    const params = new URLSearchParams(searchParams.toString());
    params.set('period', value);
    startTransition(() => {
      setSelected(value);
      router.push(`${pathname}?${params.toString()}`, { scroll: false });
    });
  }

  return (
    <div className="segmented" role="group" aria-label="Reporting period" aria-busy={pending} data-pending={pending || undefined}>
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          className="segmented__option"
          aria-pressed={option.value === selected}
          title={option.description}
          onClick={() => select(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}
