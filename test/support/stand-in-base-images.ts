import { execFileSync } from 'node:child_process';
import { BaseImages } from '../../projenrc/base-images';

/** The label offline-docker.sh puts on the stand-ins it builds under the official names. */
const STAND_IN_LABEL = 'org.offline-docker.recipe';

/**
 * The synthesized Dockerfiles name their base images by digest. An engine without a registry
 * (offline-docker.sh) holds stand-ins under the official tags, with other digests: for each
 * base image whose tag there is such a stand-in, tests build against the tag instead, by
 * exporting the Dockerfile's build argument (compose passes it; scripts/publish-images.ts
 * reads it). Production builds never run this. Returns what it set.
 */
export function useStandInBaseImages(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const set: Record<string, string> = {};
  for (const image of Object.values(BaseImages)) {
    if (env[image.arg]) continue; // set by the caller: theirs wins
    let label = '';
    try {
      label = execFileSync('docker', ['image', 'inspect', '--format', `{{ index .Config.Labels "${STAND_IN_LABEL}" }}`, image.tagged],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      continue; // no engine, or no such image: the pinned digest applies
    }
    if (!label || label === '<no value>') continue;
    env[image.arg] = image.tagged;
    set[image.arg] = image.tagged;
  }
  if (Object.keys(set).length) {
    console.log(`Base images: this engine holds stand-ins (${Object.values(set).join(', ')}); test builds use their tags, not the pinned digests.`);
  }
  return set;
}
