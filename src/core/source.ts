import type { ShardCheckpoint } from '../checkpoint/store.js';

/**
 * One record as a source hands it to the engine, before decoding. Kinesis names are kept
 * (`shardId`, `sequenceNumber`) because Kinesis is the main source; other sources map onto them:
 * a partition id and a position that grows within the partition (compared numerically).
 */
export interface SourceRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Index inside a KPL aggregate (records de-aggregated from one Kinesis record share its sequence number). */
  readonly subSequenceNumber?: number;
  readonly partitionKey: string;
  /** Approximate arrival time in epoch milliseconds. */
  readonly arrivalMs: number;
  readonly data: Uint8Array;
}

export interface PartitionLag {
  shardId: string;
  /** What the service reports (kinesalite always says 0; sources without a service say 0). */
  millisBehindLatest: number;
  /** Age of the newest record of the last non-empty read; 0 when the last read was empty. */
  arrivalLagMs: number;
  buffered: number;
  ended: boolean;
}

/**
 * The contract every source implements: partitions, reads buffered with backpressure, positions,
 * commit, close. The engine polls; a source reads ahead in the background up to its own bound,
 * and pauses when the engine falls behind.
 */
export interface Source {
  readonly name: string;
  /** Starts reading every partition that can be read now, after the given checkpoints. */
  start(checkpoints: ReadonlyMap<string, ShardCheckpoint>): Promise<void>;
  /** Every partition the source knows of (for lease assignment). */
  partitionIds(): string[];
  /**
   * Restricts reading to the partitions this worker holds leases for, with the checkpoints every
   * worker wrote. Partitions in `restart` (gained, or held again after another worker held them)
   * drop their reader and buffered records and are read again from the checkpoint given. Sources
   * without leases read every partition and need not implement it.
   */
  assign?(owned: ReadonlySet<string>, checkpoints: ReadonlyMap<string, string>, restart?: ReadonlySet<string>): Promise<void>;
  /**
   * The partitions a partition was split or merged from (Kinesis: `ParentShardId`, then
   * `AdjacentParentShardId`), so its keyed state can start from theirs. Optional: none by default.
   */
  parentsOf?(partitionId: string): string[];
  /**
   * Reads every partition once more now rather than at the next poll tick, resolving when those
   * reads returned or after `budgetMs`: the engine calls it as a batch starts, so a record waits
   * for the batch, not for a batch and a poll. Optional: sources that are pushed their records, or
   * hold them already, need not implement it.
   */
  refresh?(budgetMs: number): Promise<void>;
  /** Takes up to `max` buffered records, in order per partition. */
  poll(max: number): SourceRecord[];
  /** Records buffered and not yet polled, across partitions (how far behind the engine is). */
  buffered(): number;
  /**
   * How long the oldest record not yet handed out has waited, in ms: the oldest buffered record's
   * age, or how far a partition's reader is behind the tip of its stream (Kinesis'
   * `MillisBehindLatest`), whichever is larger. The engine starts the next batch at once, instead
   * of at the next tick, while this is more than a batch interval. Optional: 0 when absent.
   */
  behindMs?(): number;
  /** Partitions read to their end whose every record has been polled. */
  finishedPartitions(): string[];
  /** Tells the source what is durably checkpointed (`SHARD_END` for finished partitions). */
  onCommitted(saved: ReadonlyMap<string, string>): Promise<void>;
  /** Partitions with a running reader. */
  readingPartitions(): string[];
  lags(): PartitionLag[];
  /** Resolves once every partition is read to its end (finite sources); never for streams. */
  readonly exhausted?: () => boolean;
  close(): Promise<void>;
}
