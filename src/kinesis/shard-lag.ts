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
