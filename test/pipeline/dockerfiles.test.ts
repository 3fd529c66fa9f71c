import { DockerfileParser } from 'dockerfile-ast';
import { BaseImages } from '../../projenrc';
import { synthesizedFiles } from '../support/synth';

const files = synthesizedFiles();
const dockerfiles = Object.keys(files).filter((f) => /^devops\/Dockerfile\.[a-z]+$/.test(f));

/** Rules read back from the rendered text with a Dockerfile parser, independent of our renderer. */
describe.each(dockerfiles)('%s', (path) => {
  const doc = DockerfileParser.parse(files[path]);
  const instructions = doc.getInstructions();
  const froms = doc.getFROMs();
  const stageNames = froms.map((f) => f.getBuildStage()).filter((n): n is string => !!n);

  it('has a per-Dockerfile .dockerignore', () => {
    expect(files[`${path}.dockerignore`]).toBeDefined();
  });

  it('uses Debian-based official images pinned tag@digest, through a build argument that defaults to the pin', () => {
    // Global ARGs (before the first FROM) name the base images; their defaults are the pins.
    const firstFrom = froms[0].getRange().start.line;
    const globalArgs = Object.fromEntries(instructions
      .filter((i) => i.getKeyword() === 'ARG' && i.getRange().start.line < firstFrom)
      .map((i) => i.getArgumentsContent()!.split('=') as [string, string]));
    const pins = Object.values(BaseImages);
    let external = 0;
    for (const from of froms) {
      const raw = from.getArgumentsContent()!.replace(/^--platform=\S+\s+/, '').split(/\s+/)[0];
      if (stageNames.includes(raw)) continue;
      external++;
      const arg = raw.match(/^\$\{(\w+)\}$/)?.[1];
      expect({ from: raw, viaArgument: !!arg }).toEqual({ from: raw, viaArgument: true });
      const ref = globalArgs[arg!];
      expect(ref).toMatch(/^(node|postgres|debian):(\d+(\.\d+)*-)?trixie(-slim)?@sha256:[0-9a-f]{64}$/);
      expect(pins.find((p) => p.arg === arg)?.default).toBe(ref);
    }
    expect(external).toBeGreaterThan(0);
  });

  it('runs the CPU-independent stages of tsc services on the build platform (only the final stage is emulated)', () => {
    if (!/Dockerfile\.(bot|api|devtools)$/.test(path)) return;
    const platforms = Object.fromEntries(froms.map((f) => [f.getBuildStage(), f.getPlatformFlag()?.getValue()]));
    expect(platforms).toEqual({ deps: '$BUILDPLATFORM', build: '$BUILDPLATFORM', runtime: undefined });
  });

  it('copies only from stages defined before the COPY', () => {
    const seen: string[] = [];
    for (const i of instructions) {
      if (i.getKeyword() === 'FROM') {
        const stage = (i as ReturnType<typeof doc.getFROMs>[number]).getBuildStage();
        if (stage) seen.push(stage);
      }
      if (i.getKeyword() === 'COPY') {
        const from = (i as unknown as { getFromFlag(): { getValue(): string } | null }).getFromFlag();
        if (from) expect(seen).toContain(from.getValue());
      }
    }
  });

  it('runs the final stage as a non-root user', () => {
    const lastFrom = froms[froms.length - 1];
    const finalUsers = instructions
      .filter((i) => i.getRange().start.line > lastFrom.getRange().start.line && i.getKeyword() === 'USER')
      .map((i) => i.getArgumentsContent());
    expect(finalUsers.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(finalUsers[finalUsers.length - 1]);
  });

  it('uses exec form for CMD and HEALTHCHECK, and no curl or wget', () => {
    const cmds = instructions.filter((i) => i.getKeyword() === 'CMD');
    expect(cmds.length).toBeGreaterThan(0);
    for (const cmd of cmds) expect(() => JSON.parse(cmd.getArgumentsContent() ?? '')).not.toThrow();
    const text = files[path];
    expect(text).not.toMatch(/\b(curl|wget)\b/);
    const hc = text.match(/^\s+CMD (\[.*\])$/m);
    if (hc) expect(Array.isArray(JSON.parse(hc[1]))).toBe(true);
  });

  it('never bakes a secret into the image', () => {
    const envs = instructions.filter((i) => i.getKeyword() === 'ENV' || i.getKeyword() === 'ARG').map((i) => i.getArgumentsContent() ?? '');
    for (const e of envs) expect(e).not.toMatch(/TOKEN|PASSWORD|SECRET|API_KEY|DATABASE_URL|API_URL/);
  });
});
