/** One record as read from a shard, before decoding. */
export interface KinesisRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Index inside a KPL aggregate (records de-aggregated from one Kinesis record share its sequence number). */
  readonly subSequenceNumber?: number;
  readonly partitionKey: string;
  /** Approximate arrival time in epoch milliseconds. */
  readonly arrivalMs: number;
  readonly data: Uint8Array;
}
