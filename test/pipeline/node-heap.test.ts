import { nodeHeapOptions } from '../../projenrc';

describe('nodeHeapOptions', () => {
  it('renders the V8 flags the container receives as NODE_OPTIONS', () => {
    expect(nodeHeapOptions({ maxOldSpaceMb: 80, maxSemiSpaceMb: 8 })).toBe('--max-old-space-size=80 --max-semi-space-size=8');
  });

  it.each([
    [{ maxOldSpaceMb: 16, maxSemiSpaceMb: 8 }, /maxOldSpaceMb must be an integer ≥ 32 \(got 16\)/],
    [{ maxOldSpaceMb: 80.5, maxSemiSpaceMb: 8 }, /maxOldSpaceMb must be an integer/],
    [{ maxOldSpaceMb: 80, maxSemiSpaceMb: 0 }, /maxSemiSpaceMb must be an integer 1–64 \(got 0\)/],
  ])('refuses %j, naming the bound', (props, message) => {
    expect(() => nodeHeapOptions(props)).toThrow(message);
  });
});
