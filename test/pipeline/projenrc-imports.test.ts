import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../support/synth';

const PROJENRC = join(REPO_ROOT, 'projenrc');

/** File formats: they render a file from typed parts and know nothing of the stack model. */
const FILE_FORMATS = ['docker/dockerfile.ts', 'docker/dockerignore.ts', 'compose/compose-file.ts', 'make/makefile.ts', 'scripts/shell-script.ts', 'scripts/bash.ts',
  'monitoring/prometheus-files.ts'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** projenrc-relative file → the projenrc files it imports (type-only imports included). */
const graph = new Map(sources(PROJENRC).map((file) => {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(/^import [^;]*? from '(\.[^']+)';/gms)].map((m) => {
    const target = resolve(dirname(file), m[1]);
    return relative(PROJENRC, target.endsWith('.ts') ? target : `${target}.ts`);
  });
  return [relative(PROJENRC, file), targets];
}));

describe('projenrc/ imports', () => {
  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the file formats free of the model: they import only each other', () => {
    expect(graph.size).toBeGreaterThan(20);
    const leaks = FILE_FORMATS.flatMap((file) => (graph.get(file) ?? []).filter((t) => !FILE_FORMATS.includes(t)).map((t) => `${file} → ${t}`));
    expect(leaks).toEqual([]);
  });
});
