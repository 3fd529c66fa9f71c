/**
 * `12345` → `12,345`: what `Intl.NumberFormat('en-US')` prints for a whole number, without Intl.
 * For client components: a page's first Intl formatter loads ICU's locale data on the main
 * thread (about 20 ms on the benchmark machine, 90 ms at Lighthouse's 4× CPU slowdown), and the
 * chart's read-out created one while hydrating. Server code keeps using Intl (lib/format.ts).
 */
export function groupDigits(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`groupDigits takes whole numbers, not ${value}`);
  const digits = String(Math.abs(value));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return value < 0 ? `-${grouped}` : grouped;
}
