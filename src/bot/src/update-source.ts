/** Where updates come from: long polling or a webhook. */
export interface UpdateSource {
  readonly mode: 'polling' | 'webhook';
  /** Begins taking updates; resolves once the source is running. */
  start(): Promise<void>;
  /** Whether updates are still flowing: what /health reports. */
  isAlive(now: number): boolean;
  /** Stops taking updates and waits (until `deadline`, epoch ms) for those being admitted. */
  stop(deadline: number): Promise<void>;
}
