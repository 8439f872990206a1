import type { ColumnType } from './schema.js';
import type { Batch } from './batch.js';
import type { DeadLetter } from './dead-letter.js';

/**
 * The one contract every operator implements (after Arroyo's `ArrowOperator`):
 * a required `processBatch` and optional lifecycle hooks.
 *
 * The engine hands operators a columnar batch ({@link ColumnBatch}) that also offers `rows`, a row
 * view for operators that prefer objects. Rows decoded from a source carry three metadata columns
 * next to the user's columns: `_shard` (partition id), `_seq` (position, a decimal string) and
 * `_arrival` (approximate arrival time, epoch milliseconds). An operator returns either a
 * `ColumnBatch` (the fast path: add columns with `withColumns`) or `{ rows }`; it must keep the
 * metadata columns and may add only the columns it declares in `outputColumns`.
 */
export interface OperatorContext {
  /** Monotonic id of the micro-batch being processed. */
  readonly batchId: number;
  /** Processing time at which this batch was cut. */
  readonly batchTime: Date;
  /** Send a row that this operator cannot process to the dead-letter sink; the batch goes on. */
  deadLetter(letter: DeadLetter): void;
}

export interface Operator {
  readonly name: string;
  /**
   * Columns this operator adds to every row, with their types, so pipeline SQL that names them
   * compiles (and is checked) before the first record arrives.
   */
  readonly outputColumns?: readonly { readonly name: string; readonly type: ColumnType }[];
  /** The engine passes a `ColumnBatch` (src/core/batch.ts); `batch instanceof ColumnBatch` selects the columnar path. */
  processBatch(batch: Batch, ctx: OperatorContext): Batch | Promise<Batch>;
  /** Serializable state to store with the checkpoint; given back to `restore` after a restart. */
  onCheckpoint?(): unknown | Promise<unknown>;
  restore?(state: unknown): void | Promise<void>;
  /**
   * Partitioned state (optional, instead of `onCheckpoint`/`restore` in the engine): state kept
   * per partition (shard) and per key within it, snapshotted and moved with the partition's
   * lease. See {@link PartitionedStateHolder}.
   */
  snapshotPartition?(partition: string, select?: (key: string) => boolean): Iterable<readonly [key: string, state: unknown]>;
  restorePartition?(partition: string, entries: Iterable<readonly [key: string, state: unknown]>): void;
  dropPartition?(partition: string): void;
  takeChanged?(partition: string): Iterable<string> | undefined;
  /** Called once per batch interval even when no records arrived. */
  onTick?(now: Date): void | Promise<void>;
  onClose?(): void | Promise<void>;
}


/**
 * Anything whose state goes into the snapshot with the checkpoint, restored before reading
 * resumes: stateful operators, and the engine's event-time window state.
 */
export interface StateHolder {
  readonly name: string;
  onCheckpoint(): unknown | Promise<unknown>;
  restore(state: unknown): void | Promise<void>;
}

/**
 * A state holder whose state is partitioned by shard and by key within a shard: the state of a
 * partition comes only from the records of that partition. The engine commits each partition's
 * state with that partition's checkpoint (one conditional write, the lease's), serialized one key
 * at a time; when the lease moves, the new owner restores the partition as of that checkpoint
 * before reading it and the old owner drops it. A child shard of a split or merge starts from its
 * parents' entries (see `docs/guarantees.md`).
 */
export interface PartitionedStateHolder {
  readonly name: string;
  /**
   * The partition's state, one JSON-safe entry per key (only the keys `select` accepts), each
   * serialized as it is iterated. Entries are restored in any order: an entry must carry what
   * the holder needs to rebuild its order (the anomaly operator: a last-use tick per key).
   */
  snapshotPartition(partition: string, select?: (key: string) => boolean): Iterable<readonly [key: string, state: unknown]>;
  /** Replaces the partition's state with these entries (none: a fresh partition). */
  restorePartition(partition: string, entries: Iterable<readonly [key: string, state: unknown]>): void;
  /**
   * Optional, for incremental snapshots: the keys of the partition whose state changed (updated,
   * added, evicted) since the last call or restore, and forgets them. Without it, every key of a
   * partition with new records is written at each snapshot.
   */
  takeChanged?(partition: string): Iterable<string> | undefined;
  /**
   * Forgets the partition: its lease moved to another worker, or (`ended`) it was read to its end
   * and committed, so its children carry on from its state.
   */
  dropPartition(partition: string, ended?: boolean): void;
  /**
   * Optional: called (and awaited) before the partitions are snapshotted, for holders whose state
   * lives where it can only be read asynchronously (the event-time windows' partials in DuckDB).
   */
  prepareSnapshot?(partitions: readonly string[]): Promise<void>;
  /**
   * Optional: partitions whose state changed without records of their own (an event-time window
   * closed and its partials went): the checkpointer commits them too, at their current position.
   */
  dirtyPartitions?(): Iterable<string>;
}

/** The operators whose state is partitioned by shard and key. */
export function partitionedOperators(operators: readonly Operator[]): PartitionedStateHolder[] {
  return operators.filter(
    (o): o is Operator & PartitionedStateHolder => typeof o.snapshotPartition === 'function' && typeof o.restorePartition === 'function' && typeof o.dropPartition === 'function',
  );
}

/**
 * The operators that keep their state whole (one value, one model for the stream), as state
 * holders. Operators with partitioned state are not among them, even if they also offer
 * `onCheckpoint` (for embedding).
 */
export function statefulOperators(operators: readonly Operator[]): StateHolder[] {
  const partitioned = new Set<Operator>(partitionedOperators(operators) as Operator[]);
  return operators.filter((o): o is Operator & StateHolder => !partitioned.has(o) && typeof o.onCheckpoint === 'function' && typeof o.restore === 'function');
}
