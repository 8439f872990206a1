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

/** Partitioned holders' entries (one per key), by holder name. */
export type KeyedState = ReadonlyMap<string, Iterable<readonly [key: string, state: unknown]>>;
/**
 * What a snapshot writes of one shard's keyed state: per bucket of keys that changed (see
 * `bucketOf`), every key of that bucket. Buckets not given keep what was committed before.
 */
export type ShardState = ReadonlyMap<number, KeyedState>;

/** The keyed state committed with one shard's checkpoint. */
export interface ShardSnapshot {
  /** The position the state is exactly as of (resume after it). */
  readonly checkpoint: string;
  /** The chunk sets it is made of, as `<bucket>#<version>`. */
  readonly refs: readonly string[];
  /** Entries per holder name, decoded one key at a time. */
  readonly state: ReadonlyMap<string, [key: string, state: unknown][]>;
}

/** Where checkpoints live. One small contract, so tests and other backends can plug in. */
export interface CheckpointStore {
  /** Creates the backing table if needed. Idempotent. */
  init(): Promise<void>;
  /** All checkpoints of the stream, keyed by shard id. */
  load(): Promise<Map<string, ShardCheckpoint>>;
  /**
   * Writes the checkpoints of several shards; each write is durable when the promise resolves.
   * A shard whose lease this worker no longer holds is not written and is returned in `lost`;
   * `refused` names every shard not written (lost, or its stored checkpoint is further on).
   */
  save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[]; refused?: string[] }>;
  /**
   * Writes a snapshot: the whole-state holders' state with the positions it covers (`state`,
   * one per application), and per shard in `shards` that shard's keyed state committed with the
   * shard's checkpoint (`positions`), conditional on its lease and on order as `save`. Every part
   * is written beside the previous version and made current by one write; a crash at any step
   * leaves, per shard, a checkpoint with exactly the state that goes with it. With `shards` given
   * (the pipeline has partitioned holders), only the shards in it have their checkpoints written:
   * a shard's checkpoint never moves without its state. `refused` names the shards whose
   * checkpoint was not written (lease lost, or already further on): with `shards`, their keyed
   * state was not committed.
   */
  saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>, shards?: ReadonlyMap<string, ShardState>): Promise<{ lost: string[]; refused?: string[] }>;
  /** The current snapshot of the whole-state holders, if any. `load()` already folds its positions into the checkpoints. */
  loadSnapshot(): Promise<Snapshot | undefined>;
  /** The keyed state committed with a shard's checkpoint, if any (the later of the shard's item and the snapshot head). */
  loadShardState(shardId: string): Promise<ShardSnapshot | undefined>;
  /** Operator state saved with the checkpoint, by operator name (before snapshots; read for old apps). */
  loadState(name: string): Promise<unknown>;
  saveState(name: string, state: unknown): Promise<void>;
  close(): void;
}
