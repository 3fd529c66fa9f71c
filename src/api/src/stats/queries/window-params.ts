const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Epoch milliseconds are UTC without leap seconds, so UTC hours and days are plain multiples. */
export const startOfHour = (t: Date) => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
export const startOfDay = (t: Date) => new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
export const addHours = (t: Date, hours: number) => new Date(t.getTime() + hours * HOUR_MS);
export const addDays = (t: Date, days: number) => new Date(t.getTime() + days * DAY_MS);

/** The UTC day of `t` as a `date` parameter ('2026-03-10'). */
export const utcDay = (t: Date) => t.toISOString().slice(0, 10);
