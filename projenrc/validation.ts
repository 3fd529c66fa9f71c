import { referencedVariables } from './env';
import type { Service } from './service';
import type { Stack } from './stack';

/**
 * Rules every stack must satisfy before any file is written. Each message names the
 * construct at fault so the fix is one search away.
 */
export function validateStack(stack: Stack): string[] {
  return [
    ...unknownDependencies(stack),
    ...healthyWithoutHealthCheck(stack),
    ...completedOnLongRunning(stack),
    ...undeclaredVariables(stack),
    ...hostPortClashes(stack),
    ...secretsWithDefaults(stack),
    ...restartingOneShots(stack),
    ...unpublishedImagesInProd(stack),
    ...dependencyCycles(stack),
    ...stack.images.flatMap((i) => i.dockerfile.problems()),
  ];
}

const where = (s: Service) => `Service '${s.name}'`;

function unknownDependencies(stack: Stack): string[] {
  return stack.services.flatMap((s) => s.dependsOn
    .filter((d) => !stack.service(d.service))
    .map((d) => `${where(s)}: depends_on names unknown service '${d.service}'`));
}

function healthyWithoutHealthCheck(stack: Stack): string[] {
  return stack.services.flatMap((s) => s.dependsOn
    .filter((d) => d.condition === 'service_healthy')
    .filter((d) => { const t = stack.service(d.service); return t && !t.props.healthCheck; })
    .map((d) => `${where(s)}: waits for '${d.service}' to be service_healthy, but '${d.service}' has no health check`));
}

function completedOnLongRunning(stack: Stack): string[] {
  return stack.services.flatMap((s) => s.dependsOn
    .filter((d) => d.condition === 'service_completed_successfully')
    .filter((d) => { const t = stack.service(d.service); return t && !t.oneShot; })
    .map((d) => `${where(s)}: waits for '${d.service}' to complete, but '${d.service}' is not a one-shot service`));
}

function undeclaredVariables(stack: Stack): string[] {
  const declared = new Set(stack.variables.map((v) => v.name));
  const out: string[] = [];
  for (const s of stack.services) {
    for (const [key, value] of Object.entries(s.props.environment ?? {})) {
      if (typeof value !== 'string') continue;
      for (const name of referencedVariables(value)) {
        if (!declared.has(name)) out.push(`${where(s)}: ${key} reads variable '${name}', which is not declared`);
      }
    }
  }
  return out;
}

function hostPortClashes(stack: Stack): string[] {
  const byPort = new Map<number, string>();
  const byVariable = new Map<string, string>();
  const out: string[] = [];
  for (const s of stack.services) {
    const p = s.props.publish;
    if (!p) continue;
    const samePort = byPort.get(p.defaultHostPort);
    if (samePort) out.push(`${where(s)}: host port ${p.defaultHostPort} is already published by '${samePort}'`);
    const sameVar = byVariable.get(p.variable);
    if (sameVar) out.push(`${where(s)}: host port variable ${p.variable} is already used by '${sameVar}'`);
    byPort.set(p.defaultHostPort, s.name);
    byVariable.set(p.variable, s.name);
  }
  return out;
}

function secretsWithDefaults(stack: Stack): string[] {
  return stack.variables
    .filter((v) => v.secret && v.default !== undefined)
    .map((v) => `Variable '${v.name}': is secret and must not have a default value`);
}

function restartingOneShots(stack: Stack): string[] {
  return stack.services
    .filter((s) => s.oneShot && s.restart !== 'no' && s.restart !== 'on-failure')
    .map((s) => `${where(s)}: is one-shot but has restart '${s.restart}' (use 'no' or 'on-failure')`);
}

function unpublishedImagesInProd(stack: Stack): string[] {
  return stack.services
    .filter((s) => s.in('prod') && !s.image.published)
    .map((s) => `${where(s)}: is in the production compose file but image '${s.image.name}' is not published by the build workflow`);
}

function dependencyCycles(stack: Stack): string[] {
  const out: string[] = [];
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name)) return;
    if (visiting.has(name)) {
      out.push(`Service '${name}': depends_on forms a cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
      return;
    }
    visiting.add(name);
    for (const d of stack.service(name)?.dependsOn ?? []) visit(d.service, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const s of stack.services) visit(s.name, []);
  return out;
}
