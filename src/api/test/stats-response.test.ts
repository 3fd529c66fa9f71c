import { JS_WHITESPACE } from '../src/stats/queries';
import { averageLength, displayName, kpi, preview, PREVIEW_MAX } from '../src/stats/stats-response';

describe('response shaping', () => {
  it('changePct: rounded to one decimal, null without a previous value or from zero', () => {
    expect(kpi(5, 3)).toEqual({ value: 5, previous: 3, changePct: 66.7 });
    expect(kpi(0, 4)).toEqual({ value: 0, previous: 4, changePct: -100 });
    expect(kpi(3, 0).changePct).toBeNull();
    expect(kpi(3, null)).toEqual({ value: 3, previous: null, changePct: null });
  });

  it('changePct: exact, halves away from zero (103 vs 80 is exactly 28.75 %)', () => {
    expect(kpi(103, 80).changePct).toBe(28.8);
    expect(kpi(57, 80).changePct).toBe(-28.8);
    // 1.15 is 1.149999… as a binary float; 2.3 vs 2 is exactly +15 %.
    expect(kpi(2.3, 2).changePct).toBe(15);
    expect(kpi(1, 3).changePct).toBe(-66.7);
    expect(kpi(2, 3).changePct).toBe(-33.3);
    expect(kpi(100_001, 160_000).changePct).toBe(-37.5); // -37.499375 %
  });

  it('average length: exact, halves away from zero', () => {
    expect(averageLength(41, 20)).toBe(2.1); // 2.05, a float 2.0499…
    expect(averageLength(1, 8)).toBe(0.1); // 0.125
    expect(averageLength(3, 40)).toBe(0.1); // 0.075, a float 0.07499…
    expect(averageLength(0, 0)).toBe(0);
  });

  it('display names: full name, else @username, else the id', () => {
    expect(displayName({ user_id: '1', username: 'ada', first_name: 'Ada', last_name: 'Lovelace' })).toBe('Ada Lovelace');
    expect(displayName({ user_id: '2', username: 'bob', first_name: ' ', last_name: null })).toBe('@bob');
    expect(displayName({ user_id: '3', username: null, first_name: null, last_name: null })).toBe('User 3');
  });

  it('previews: whitespace collapsed, long texts cut within 160 UTF-16 units without splitting a character', () => {
    expect(preview('  two\n\nlines\t ')).toBe('two lines');
    expect(preview(null)).toBe('');
    const long = '😀'.repeat(100); // 200 UTF-16 units
    const cut = preview(long);
    expect(cut.length).toBeLessThanOrEqual(PREVIEW_MAX);
    expect(cut.endsWith('😀…')).toBe(true);
    expect(preview('x'.repeat(PREVIEW_MAX))).toBe('x'.repeat(PREVIEW_MAX));
    expect(preview('x'.repeat(PREVIEW_MAX + 1))).toBe(`${'x'.repeat(PREVIEW_MAX - 1)}…`);
  });

  it('the SQL whitespace class is exactly what JavaScript calls whitespace', () => {
    const sql = new RegExp(`^${JS_WHITESPACE}$`);
    for (let code = 0; code <= 0xffff; code++) {
      const ch = String.fromCharCode(code);
      if (sql.test(ch) !== /^\s$/.test(ch)) throw new Error(`U+${code.toString(16).padStart(4, '0')} differs`);
    }
  });
});
