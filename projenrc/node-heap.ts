/**
 * V8 heap bounds for a Node.js service, as the NODE_OPTIONS its container receives.
 *
 * V8 sizes its heap from the machine, not from the container's limit: after a burst it keeps
 * the garbage of it (bench/bot: a 26 MB live heap, 115–190 MB RSS after 10k updates with
 * V8's defaults). Bounding the old space and the young generation's semi-spaces makes it
 * collect sooner, so RSS follows the live set; the bench reads these flags from the model.
 * The price is collection CPU per byte allocated: keep the service's allocation per request low.
 */
export interface NodeHeapProps {
  /** `--max-old-space-size`: where a full collection becomes mandatory. */
  readonly maxOldSpaceMb: number;
  /** `--max-semi-space-size`: each of the young generation's spaces (V8's default: 16 MB on 64-bit). */
  readonly maxSemiSpaceMb: number;
}

export function nodeHeapOptions(props: NodeHeapProps): string {
  const problems = [
    ...(Number.isInteger(props.maxOldSpaceMb) && props.maxOldSpaceMb >= 32 ? [] : [`maxOldSpaceMb must be an integer ≥ 32 (got ${props.maxOldSpaceMb})`]),
    ...(Number.isInteger(props.maxSemiSpaceMb) && props.maxSemiSpaceMb >= 1 && props.maxSemiSpaceMb <= 64 ? [] : [`maxSemiSpaceMb must be an integer 1–64 (got ${props.maxSemiSpaceMb})`]),
  ];
  if (problems.length) throw new Error(`nodeHeapOptions: ${problems.join('; ')}`);
  return `--max-old-space-size=${props.maxOldSpaceMb} --max-semi-space-size=${props.maxSemiSpaceMb}`;
}
