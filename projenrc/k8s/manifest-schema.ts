import type { KubernetesObject } from './manifest-file';

/**
 * Validates objects against the Kubernetes OpenAPI schemas of the pinned version, offline:
 * kubernetes-models ships them precompiled (4.5.x: Kubernetes v1.33.0). A kind the package
 * does not know is an error, so a typo in apiVersion or kind cannot pass.
 *
 * Not run at synth: loading the validators costs ~0.5 s. The tests and the deploy run it.
 */
export function schemaProblems(o: KubernetesObject): string[] {
  const id = `${o.kind}/${o.metadata?.name}`;
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(String(o.apiVersion)) || !/^[A-Z][A-Za-z]+$/.test(String(o.kind))) {
    return [`${id}: apiVersion '${o.apiVersion}' / kind '${o.kind}' is not a Kubernetes type`];
  }
  let Model: (new (data: unknown) => { validate(): void }) | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = require(`kubernetes-models/${o.apiVersion}/${o.kind}`)[o.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) return [`${id}: ${o.apiVersion} ${o.kind} is not a kind of the Kubernetes API`];
  try {
    new Model(o).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: { instancePath: string; message?: string; keyword: string }[] }).errors;
    if (!errors) throw err;
    // `oneOf` and `anyOf` restate the branch errors above them.
    return errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf').map((e) => `${id}: ${e.instancePath || '/'} ${e.message}`);
  }
}
