/** Checkpoint of one shard: the last sequence number whose effects all sinks have durably written. */
export interface ShardCheckpoint {
  readonly shardId: string;
  /** A sequence number, or `SHARD_END` once a closed shard has been read to its end. */
  readonly checkpoint: string;
  readonly updatedAt: Date;
}

export const SHARD_END = 'SHARD_END';

/**
 * Operator state together with the positions it has seen: one snapshot. On restart, state is
 * restored as of `positions` and reading resumes after them, so nothing is missed or learned twice.
 */
export interface Snapshot {
  readonly version: string;
  /** Per partition, the last position the state has learned (and the sinks durably written). */
  readonly positions: ReadonlyMap<string, string>;
  /** Operator state by operator name. */
  readonly state: ReadonlyMap<string, unknown>;
}

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
  /**
   * Writes operator state and the positions it covers as one snapshot, then the positions as
   * checkpoints (as `save`). The new snapshot is written beside the previous one and made current
   * by one write; a crash at any step leaves one whole snapshot loadable.
   */
  saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>): Promise<{ lost: string[] }>;
  /** The current snapshot, if any. `load()` already folds its positions into the checkpoints. */
  loadSnapshot(): Promise<Snapshot | undefined>;
  /** Operator state saved with the checkpoint, by operator name (before snapshots; read for old apps). */
  loadState(name: string): Promise<unknown>;
  saveState(name: string, state: unknown): Promise<void>;
  close(): void;
}
