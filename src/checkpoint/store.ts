/** Checkpoint of one shard: the last sequence number whose effects all sinks have durably written. */
export interface ShardCheckpoint {
  readonly shardId: string;
  /** A sequence number, or `SHARD_END` once a closed shard has been read to its end. */
  readonly checkpoint: string;
  readonly updatedAt: Date;
}

export const SHARD_END = 'SHARD_END';

/** Where checkpoints live. One small contract, so tests and other backends can plug in. */
export interface CheckpointStore {
  /** Creates the backing table if needed. Idempotent. */
  init(): Promise<void>;
  /** All checkpoints of the stream, keyed by shard id. */
  load(): Promise<Map<string, ShardCheckpoint>>;
  /**
   * Writes the checkpoints of several shards; each write is durable when the promise resolves.
   * A shard whose lease this worker no longer holds is not written and is returned in `lost`.
   */
  save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[] }>;
  /** Operator state saved with the checkpoint, by operator name. */
  loadState(name: string): Promise<unknown>;
  saveState(name: string, state: unknown): Promise<void>;
  close(): void;
}
