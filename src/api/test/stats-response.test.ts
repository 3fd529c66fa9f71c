import { displayName, kpi, preview, PREVIEW_MAX } from '../src/stats/stats-response';

describe('response shaping', () => {
  it('changePct: rounded to one decimal, null without a previous value or from zero', () => {
    expect(kpi(5, 3)).toEqual({ value: 5, previous: 3, changePct: 66.7 });
    expect(kpi(0, 4)).toEqual({ value: 0, previous: 4, changePct: -100 });
    expect(kpi(3, 0).changePct).toBeNull();
    expect(kpi(3, null)).toEqual({ value: 3, previous: null, changePct: null });
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
});
