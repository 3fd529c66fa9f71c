import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';

export interface MakeTarget {
  readonly name: string;
  /** One line shown by `make help`. Targets without one are internal. */
  readonly description?: string;
  /** Heading it is listed under in `make help`. */
  readonly group?: string;
  readonly prerequisites?: string[];
  /** Shell lines, run by make one by one. */
  readonly recipe: string[];
  /** A real file target (e.g. `.env`) rather than a command. @default false */
  readonly file?: boolean;
}

export interface MakefileProps {
  /** Variables with defaults that callers may override: `make up IMAGE_TAG=sha-1a2b3c4`. */
  readonly variables?: Record<string, string>;
  /** Target run by a bare `make`. @default 'help' */
  readonly defaultTarget?: string;
}

/**
 * A Makefile with a self-documenting `make help` (targets grouped, one line each), every
 * command target `.PHONY`, and bash with `-euo pipefail` for recipes.
 */
export class Makefile extends FileBase {
  private readonly targets: MakeTarget[] = [];

  constructor(scope: IConstruct, filePath: string, private readonly props: MakefileProps = {}) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
  }

  public addTarget(target: MakeTarget): void {
    if (this.targets.some((t) => t.name === target.name)) throw new Error(`Makefile: target '${target.name}' is defined twice`);
    this.targets.push(target);
  }


  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const lines = [
      `# ${this.marker}`,
      'SHELL := bash',
      '.SHELLFLAGS := -euo pipefail -c',
      `.DEFAULT_GOAL := ${this.props.defaultTarget ?? 'help'}`,
      'MAKEFLAGS += --no-print-directory',
      '',
    ];
    for (const [k, v] of Object.entries(this.props.variables ?? {})) lines.push(`${k} ?= ${v}`);
    lines.push('');
    const phony = ['help', ...this.targets.filter((t) => !t.file).map((t) => t.name)];
    lines.push(`.PHONY: ${phony.join(' ')}`, '');
    lines.push('help: ## Show this help', ...this.helpRecipe(), '');
    for (const t of this.targets) {
      const doc = t.description ? ` ## ${t.description}` : '';
      lines.push(`${t.name}:${t.prerequisites?.length ? ` ${t.prerequisites.join(' ')}` : ''}${doc}`);
      for (const r of t.recipe) lines.push(`\t${r}`);
      lines.push('');
    }
    return lines.join('\n');
  }

  /** The same help as a Markdown table, for the README. */
  public helpMarkdown(): string {
    const rows = this.targets.filter((t) => t.description).map((t) => `| \`make ${t.name}\` | ${t.description} |`);
    return ['| command | what it does |', '|---|---|', ...rows].join('\n');
  }

  private helpRecipe(): string[] {
    const groups = new Map<string, MakeTarget[]>();
    for (const t of this.targets.filter((x) => x.description)) {
      const g = t.group ?? 'Other';
      groups.set(g, [...(groups.get(g) ?? []), t]);
    }
    const width = Math.max(...this.targets.filter((t) => t.description).map((t) => t.name.length), 4) + 2;
    const out = ['\t@printf "Usage: make <target> [VAR=value]\\n"'];
    for (const [group, targets] of groups) {
      out.push(`\t@printf "\\n\\033[1m%s\\033[0m\\n" ${shellQuote(group)}`);
      for (const t of targets) {
        out.push(`\t@printf "  \\033[36m%-${width}s\\033[0m %s\\n" ${shellQuote(t.name)} ${shellQuote(t.description!)}`);
      }
    }
    return out;
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}
