/** @jest-environment node */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addCompileHints, COMPILE_HINT } from '@/lib/compile-hints';

describe('addCompileHints', () => {
  let dist: string;
  beforeEach(() => {
    dist = mkdtempSync(join(tmpdir(), 'compile-hints-'));
    mkdirSync(join(dist, 'static', 'chunks', 'app'), { recursive: true });
    writeFileSync(join(dist, 'static', 'chunks', 'a.js'), '(globalThis.TURBOPACK||=[]).push([]);');
    writeFileSync(join(dist, 'static', 'chunks', 'app', 'b.js'), 'console.log(1)');
    writeFileSync(join(dist, 'static', 'chunks', 'c.css'), 'body{}');
  });
  afterEach(() => rmSync(dist, { recursive: true, force: true }));

  it('puts the hint on the first line of every browser script, nothing else, once', async () => {
    expect((await addCompileHints(dist)).sort()).toEqual(['a.js', join('app', 'b.js')]);
    expect(readFileSync(join(dist, 'static', 'chunks', 'a.js'), 'utf8')).toBe(`${COMPILE_HINT}(globalThis.TURBOPACK||=[]).push([]);`);
    expect(readFileSync(join(dist, 'static', 'chunks', 'app', 'b.js'), 'utf8')).toBe(`${COMPILE_HINT}console.log(1)`);
    expect(readFileSync(join(dist, 'static', 'chunks', 'c.css'), 'utf8')).toBe('body{}');
    expect(await addCompileHints(dist)).toEqual([]);
    expect(readFileSync(join(dist, 'static', 'chunks', 'a.js'), 'utf8').split(COMPILE_HINT)).toHaveLength(2);
  });

  it('is the comment V8 looks for: the first line, exactly', () => {
    expect(COMPILE_HINT).toBe('//# allFunctionsCalledOnLoad\n');
  });
});
