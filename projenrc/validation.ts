import { IConstruct } from 'constructs';
import { FileBase } from 'projen';

/**
 * The one validation pass. Constructs state their rules with `node.addValidation(...)`;
 * this collects the problems of every construct under `root` and throws them in one error,
 * each line prefixed with the path of the construct at fault, so one synth reports
 * everything and the fix is one search away.
 */
export function validateTree(root: IConstruct): void {
  const problems = root.node.findAll().flatMap((c) => c.node.validate().map((message) => `${where(c, root)}: ${message}`));
  if (problems.length) throw new Error(`The pipeline model is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/**
 * A construct's path below `root` (e.g. `Stack/api`); a file is named by its path in the
 * repository, since its construct id is an escaped form of it.
 */
function where(c: IConstruct, root: IConstruct): string {
  const below = (x: IConstruct) => (root.node.path ? x.node.path.slice(root.node.path.length + 1) : x.node.path);
  if (c instanceof FileBase && c.node.scope) {
    const parent = below(c.node.scope);
    return parent ? `${parent}/${c.path}` : c.path;
  }
  return below(c) || root.node.id;
}
