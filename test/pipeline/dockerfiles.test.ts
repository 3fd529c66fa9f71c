import { DockerfileParser } from 'dockerfile-ast';
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

  it('uses Debian-based official images with a pinned, non-latest tag', () => {
    for (const from of froms) {
      const image = from.getImageName() ?? '';
      if (stageNames.includes(image)) continue;
      // Debian itself (tools from its packages) by release; node and postgres by version on that release.
      expect(from.getImageTag()).toMatch(image === 'debian' ? /^trixie(-slim)?$/ : /^\d+(\.\d+)*-trixie(-slim)?$/);
      expect(['node', 'postgres', 'debian']).toContain(image);
    }
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
