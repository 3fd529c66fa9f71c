import { PipelineChange, added, asStrings, codeList, isObject } from './changes';
import type { SnapshotObject, SnapshotValue } from './snapshot';

/**
 * How a script or a workflow's `run:` blocks trust SSH host keys; undefined when they do
 * not use SSH. The deploy pins the server's host key: anything that learns keys on first
 * use or accepts any key opens the door to a man in the middle.
 */
export function sshFacts(text: string): SnapshotObject | undefined {
  if (!/\b(ssh|scp|sftp|rsync)\b/.test(text)) return undefined;
  return {
    strictHostKeyChecking: [...new Set([...text.matchAll(/StrictHostKeyChecking[= ]"?([\w-]+)/g)].map((m) => m[1].toLowerCase()))].sort(),
    keyscan: /\bssh-keyscan\b/.test(text),
    knownHostsDevNull: /UserKnownHostsFile[= ]"?\/dev\/null/.test(text),
  };
}

/** Host key checking loosened (🔴) or tightened (🟢) between two sets of facts. */
export function sshChanges(before: SnapshotValue | undefined, after: SnapshotValue | undefined): Omit<PipelineChange, 'section' | 'subject'>[] {
  if (!isObject(after)) return [];
  const a = isObject(before) ? before : { strictHostKeyChecking: [], keyscan: false, knownHostsDevNull: false };
  const loosened: string[] = [];
  const tightened: string[] = [];
  const lax = (values: SnapshotValue | undefined) => asStrings(values).filter((v) => v !== 'yes');
  const newLax = added(lax(a.strictHostKeyChecking), lax(after.strictHostKeyChecking));
  if (newLax.length) loosened.push(`StrictHostKeyChecking=${newLax.join(', ')}`);
  if (after.keyscan === true && a.keyscan !== true) loosened.push('ssh-keyscan (learns the host key from the network)');
  if (after.knownHostsDevNull === true && a.knownHostsDevNull !== true) loosened.push('UserKnownHostsFile=/dev/null (forgets every host key)');
  const goneLax = added(lax(after.strictHostKeyChecking), lax(a.strictHostKeyChecking));
  if (goneLax.length) tightened.push(`no more StrictHostKeyChecking=${goneLax.join(', ')}`);
  if (a.keyscan === true && after.keyscan !== true) tightened.push('no more ssh-keyscan');
  if (a.knownHostsDevNull === true && after.knownHostsDevNull !== true) tightened.push('no more UserKnownHostsFile=/dev/null');
  const out: Omit<PipelineChange, 'section' | 'subject'>[] = [];
  if (loosened.length) {
    out.push({ change: 'changed', field: 'ssh', before, after, summary: `SSH host key checking loosened: ${codeList(loosened)}`, risk: 'security', why: 'a server impersonator could receive the deploy and its credentials' });
  }
  if (tightened.length) out.push({ change: 'changed', field: 'ssh', before, after, summary: `SSH host key checking tightened: ${codeList(tightened)}`, risk: 'safe' });
  return out;
}
