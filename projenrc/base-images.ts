import type { BaseImageArgument } from './docker/dockerfile';

/**
 * An official base image pinned `name:tag@sha256:<digest>`: the tag says what it is, the
 * digest (of the multi-platform index) says exactly which bytes. The Dockerfiles name it
 * through a build argument whose default is this reference (see BaseImageArgument).
 */
export interface BaseImage extends BaseImageArgument {
  /** `node`, `postgres`. */
  readonly repository: string;
  /** `24-trixie-slim`. */
  readonly tag: string;
  /** `sha256:<64 hex>`. */
  readonly digest: string;
  /** `node:24-trixie-slim`: the name a local stand-in of the image carries (different bytes). */
  readonly tagged: string;
}

/** A pin. Keep each call on one line with a literal reference: Renovate's regex manager matches it. */
export function baseImage(reference: string, arg: string): BaseImage {
  const m = reference.match(/^([a-z0-9][a-z0-9._/-]*):([\w][\w.-]*)@(sha256:[0-9a-f]{64})$/);
  if (!m) throw new Error(`base image '${reference}' must be pinned as name:tag@sha256:<64 hex>`);
  const [, repository, tag, digest] = m;
  return { arg, default: reference, repository, tag, digest, tagged: `${repository}:${tag}` };
}

/**
 * Official Debian-based images (never Alpine, never `latest`). Renovate proposes new digests
 * of these tags weekly and new tags (Node.js LTS majors) as they appear.
 *
 * Digests read 2026-09 from public Dockerfiles that pin the same tags (the registry is not
 * reachable from where this was written); Renovate's first digest update replaces them.
 */
export const BaseImages = {
  node: baseImage('node:24-trixie-slim@sha256:8ec5d7557396cfe32d21c3f9c13072355ceab22b584578ca4bb28af31120cffe', 'NODE_IMAGE'),
  postgres: baseImage('postgres:17-trixie@sha256:d74eeac9a635390a49bc21bd49fccd973de707e2a53a76ac49b552b8712ec46f', 'POSTGRES_IMAGE'),
  /** For tools Debian packages (Prometheus, the backup tools): the same release as the others. */
  debian: baseImage('debian:trixie-slim@sha256:a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f', 'DEBIAN_IMAGE'),
} as const;

/** The Node.js major of a node image tag (`24-trixie-slim` → `24`): CI tests on what the images run. */
export function nodeMajorOf(image: BaseImage): string {
  const major = image.tag.match(/^(\d+)(?:[.-]|$)/)?.[1];
  if (!major) throw new Error(`base image ${image.tagged}: its tag does not start with a Node.js major`);
  return major;
}

/** `--build-arg NAME=name:tag` for every base image: builds against local stand-ins (tests only). */
export function standInBuildArgs(images: readonly BaseImage[] = Object.values(BaseImages)): Record<string, string> {
  return Object.fromEntries(images.map((i) => [i.arg, i.tagged]));
}

/** One `baseImage(...)` line, as Renovate's custom manager reads it. */
export const BASE_IMAGE_PATTERN = "baseImage\\('(?<depName>[a-z0-9][a-z0-9._/-]*):(?<currentValue>[\\w][\\w.-]*)@(?<currentDigest>sha256:[0-9a-f]{64})'";
