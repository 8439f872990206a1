/** One record as read from a shard, before decoding. */
export interface KinesisRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Approximate arrival time in epoch milliseconds. */
  readonly arrivalMs: number;
  readonly data: Uint8Array;
}
