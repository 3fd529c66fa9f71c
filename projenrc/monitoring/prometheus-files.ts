import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';
import { stringify } from 'yaml';

/** One scrape job: a name (Prometheus's `job` label) and the `host:port` targets of one path. */
export interface ScrapeJob {
  readonly name: string;
  readonly targets: readonly string[];
  /** @default '/metrics' */
  readonly path?: string;
}

export interface PrometheusConfigFileProps {
  /** Comment lines at the top. */
  readonly description: string;
  readonly scrapeIntervalSeconds: number;
  /** Rule files, as paths inside the Prometheus container. */
  readonly ruleFiles: readonly string[];
  /** Computed at synth, so jobs may come from constructs declared later. */
  readonly jobs: () => readonly ScrapeJob[];
}

/** `prometheus.yml`: global intervals, rule files and static scrape jobs. */
export class PrometheusConfigFile extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly props: PrometheusConfigFileProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const interval = `${this.props.scrapeIntervalSeconds}s`;
    const doc = {
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: [...this.props.ruleFiles],
      scrape_configs: this.props.jobs().map((job) => ({
        job_name: job.name,
        metrics_path: job.path ?? '/metrics',
        static_configs: [{ targets: [...job.targets] }],
      })),
    };
    return `${header(this.marker, this.props.description)}\n${stringify(doc, { lineWidth: 0 })}`;
  }
}

/** An alerting rule, as Prometheus reads it. */
export interface AlertRule {
  /** CamelCase, e.g. `BackupTooOld`. */
  readonly name: string;
  /** PromQL: the alert fires while it returns a series. */
  readonly expr: string;
  /** How long it must hold before firing, e.g. `10m`. */
  readonly for: string;
  readonly severity: 'page' | 'ticket';
  /** One line; may use `{{ $labels.job }}`. */
  readonly summary: string;
  /** What to look at first. */
  readonly description: string;
}

export interface AlertRulesFileProps {
  readonly description: string;
  readonly group: string;
  readonly rules: readonly AlertRule[];
}

/** A Prometheus rule file with one group of alerting rules. */
export class AlertRulesFile extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly props: AlertRulesFileProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
    this.node.addValidation({ validate: () => this.problems() });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const doc = {
      groups: [{
        name: this.props.group,
        rules: this.props.rules.map((r) => ({
          alert: r.name,
          expr: r.expr,
          for: r.for,
          labels: { severity: r.severity },
          annotations: { summary: r.summary, description: r.description },
        })),
      }],
    };
    return `${header(this.marker, this.props.description)}\n${stringify(doc, { lineWidth: 0 })}`;
  }

  private problems(): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const r of this.props.rules) {
      if (seen.has(r.name)) out.push(`alert '${r.name}' is defined twice`);
      seen.add(r.name);
      if (!/^[A-Z][A-Za-z0-9]*$/.test(r.name)) out.push(`alert '${r.name}' must be CamelCase`);
      if (!/^\d+[smhd]$/.test(r.for)) out.push(`alert '${r.name}' has 'for: ${r.for}'; use a duration such as 10m`);
    }
    return out;
  }
}

function header(marker: string | undefined, description: string): string {
  return [marker, ...description.split('\n')].filter((l) => l !== undefined).map((l) => `# ${l}`.trimEnd()).join('\n');
}
