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

/** The operators that keep state, as state holders. */
export function statefulOperators(operators: readonly Operator[]): StateHolder[] {
  return operators.filter((o): o is Operator & StateHolder => typeof o.onCheckpoint === 'function' && typeof o.restore === 'function');
}
