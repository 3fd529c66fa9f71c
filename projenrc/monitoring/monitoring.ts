import { Component } from 'projen';
import { AlertRule, AlertRulesFile, PrometheusConfigFile, ScrapeJob } from './prometheus-files';
import { BaseImages } from '../base-images';
import { commandHealthCheck } from '../health-check';
import type { Image } from '../image';
import { aptInstall, healthCheckInstruction } from '../recipes';
import { Rendering } from '../rendering';
import type { Service } from '../service';
import type { Stack } from '../stack';

export interface MonitoringProps {
  /** The alert rules Prometheus evaluates (see devops/doc/guides/monitoring.md). */
  readonly alertRules: readonly AlertRule[];
  /** Compose profile that starts Prometheus (`COMPOSE_PROFILES=monitoring`). @default 'monitoring' */
  readonly profile?: string;
  /** @default ['prod'] */
  readonly renderings?: readonly Rendering[];
  /** Host port of the Prometheus UI and API, bound to loopback only (reach it over an SSH tunnel). @default PROMETHEUS_PORT, 9090 */
  readonly publish?: { readonly variable: string; readonly defaultHostPort: number };
  /** @default 15 */
  readonly retentionDays?: number;
  /** @default 15 */
  readonly scrapeIntervalSeconds?: number;
  /** Where prometheus.yml and the rules live in the repository (baked into the image). @default 'devops/prometheus' */
  readonly configDir?: string;
}

const PORT = 9090;
const CONFIG_IN_IMAGE = '/etc/prometheus';

/**
 * Optional monitoring: a Prometheus service in a compose profile that scrapes every service
 * of the stack that serves metrics (on its metrics port, on the stack's network) and
 * evaluates the alert rules. Its image is Debian's prometheus package on debian:trixie-slim
 * with the configuration baked in, so a server needs no extra files; its UI is published on
 * loopback only.
 */
export class Monitoring extends Component {
  public readonly image: Image;
  public readonly service: Service;
  public readonly profile: string;
  private readonly stack: Stack;
  private readonly renderings: readonly Rendering[];

  constructor(stack: Stack, id: string, props: MonitoringProps) {
    super(stack, id);
    this.stack = stack;
    this.profile = props.profile ?? 'monitoring';
    this.renderings = props.renderings ?? ['prod'];
    const configDir = props.configDir ?? 'devops/prometheus';
    const retentionDays = props.retentionDays ?? 15;
    this.image = stack.addImage('prometheus', {
      description: 'Prometheus (Debian\'s package) with the stack\'s scrape configuration and alert rules; the monitoring profile.',
      context: [configDir],
      port: PORT,
      healthCheck: commandHealthCheck(['promtool', 'check', 'healthy', '--url', `http://127.0.0.1:${PORT}`], { intervalSeconds: 10 }),
      recipe: (df, image) => {
        const stage = df.addStage('runtime', BaseImages.debian);
        // The package's own user; the data directory is the volume's mount point.
        stage.run(aptInstall(['prometheus'], ['install -d -o prometheus -g prometheus -m 0750 /prometheus']));
        stage.copy(`${configDir}/`, `${CONFIG_IN_IMAGE}/`);
        stage.user('prometheus');
        stage.expose(PORT);
        if (image.healthCheck) stage.healthCheck(healthCheckInstruction(image.healthCheck));
        stage.cmd([
          '/usr/bin/prometheus',
          `--config.file=${CONFIG_IN_IMAGE}/prometheus.yml`,
          '--storage.tsdb.path=/prometheus',
          `--storage.tsdb.retention.time=${retentionDays}d`,
          `--web.listen-address=:${PORT}`,
        ]);
      },
    });
    // Compose reads it from the env file too: how a server turns the profile on for every command, deploys included.
    stack.addVariable('COMPOSE_PROFILES', {
      description: `Optional compose profiles to run besides the stack: \`${this.profile}\` adds Prometheus`,
      example: this.profile,
      renderings: this.renderings,
    });
    const publish = props.publish ?? { variable: 'PROMETHEUS_PORT', defaultHostPort: PORT };
    this.service = stack.addService('prometheus', {
      description: `Prometheus: scrapes every service's metrics, evaluates the alert rules (profile \`${this.profile}\`)`,
      image: this.image,
      profiles: [this.profile],
      renderings: this.renderings,
      publish: { ...publish, hostIp: '127.0.0.1', renderings: this.renderings },
      volumes: [{ volume: 'prometheus-data', target: '/prometheus' }],
      resources: { memoryMb: 512, cpus: 0.5 },
    });
    const rules = new AlertRulesFile(this, `${configDir}/alerts.yml`, {
      description: 'Alert rules of the stack, declared in .projenrc.ts; explained in devops/doc/guides/monitoring.md.',
      group: stack.name,
      rules: props.alertRules,
    });
    new PrometheusConfigFile(this, `${configDir}/prometheus.yml`, {
      description: 'Prometheus configuration: one scrape job per service that serves metrics (from the stack model).',
      scrapeIntervalSeconds: props.scrapeIntervalSeconds ?? 15,
      ruleFiles: [`${CONFIG_IN_IMAGE}/${rules.path.slice(configDir.length + 1)}`],
      jobs: () => this.jobs(),
    });
  }

  /** Prometheus itself, then every long-running service of the monitored renderings that serves metrics. */
  public jobs(): ScrapeJob[] {
    const scraped = this.stack.services.filter((s) => s !== this.service && s.metrics
      && this.renderings.some((r) => s.in(r)) && s.profiles.every((p) => p === this.profile));
    return [
      { name: this.service.name, targets: [`localhost:${PORT}`] },
      ...scraped.map((s) => ({ name: s.name, targets: [`${s.name}:${s.metrics!.port}`], path: s.metrics!.path })),
    ];
  }
}
