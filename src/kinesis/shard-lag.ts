/** How far behind one shard's reader is. */
export interface ShardLag {
  shardId: string;
  /** What the service reports (kinesalite always says 0; kinesis-mock and AWS say the truth). */
  millisBehindLatest: number;
  /** Our own measure: age of the newest record of the last non-empty read; 0 when the last read was empty. */
  arrivalLagMs: number;
  buffered: number;
  ended: boolean;
}

/**
 * How long the oldest record a shard's reader has not handed out has waited at wall time `now`
 * (`Source.behindMs`): from its arrival (`oldestArrivalMs`, undefined when none waits that the
 * reader knows of), or the service's `MillisBehindLatest`, whichever is larger.
 */
export function waitedMs(now: number, millisBehindLatest: number, oldestArrivalMs: number | undefined): number {
  return Math.max(millisBehindLatest, oldestArrivalMs !== undefined ? now - oldestArrivalMs : 0);
}
