import type { ColumnType } from './decode/schema.js';

/**
 * The one contract every operator implements (after Arroyo's `ArrowOperator`):
 * a required `processBatch` and optional lifecycle hooks.
 *
 * A batch is a list of plain rows. Rows decoded from Kinesis carry three metadata columns
 * next to the user's columns: `_shard` (shard id), `_seq` (sequence number, a decimal string)
 * and `_arrival` (approximate arrival time, epoch milliseconds). Operators may add columns;
 * they should pass the metadata columns through so sinks can key rows stably.
 */

export type Row = Record<string, unknown>;

export interface Batch {
  readonly rows: readonly Row[];
}

/** Where a record came from, for dead letters and stable keys. */
export interface RecordPosition {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly arrivalTime: Date;
  readonly partitionKey?: string;
}

export interface DeadLetter {
  /** Why the row could not be processed: names the field, the value and the fix. */
  readonly reason: string;
  /** Raw record bytes when known (decode failures), else the row as JSON. */
  readonly raw: Uint8Array;
  readonly position?: RecordPosition;
  /** The stage that refused it: `decode`, an operator's name, a sink's name. */
  readonly stage: string;
}

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
  processBatch(batch: Batch, ctx: OperatorContext): Batch | Promise<Batch>;
  /** Serializable state to store with the checkpoint; given back to `restore` after a restart. */
  onCheckpoint?(): unknown | Promise<unknown>;
  restore?(state: unknown): void | Promise<void>;
  /** Called once per batch interval even when no records arrived. */
  onTick?(now: Date): void | Promise<void>;
  onClose?(): void | Promise<void>;
}

/**
 * A dead letter for a row an operator or sink cannot take: the row as JSON, the stage, the reason,
 * and the record's position when the row carries it.
 */
export function rowDeadLetter(row: Row, stage: string, reason: string): DeadLetter {
  const position = positionOf(row);
  const raw = new TextEncoder().encode(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return { reason, raw, stage, ...(position ? { position } : {}) };
}

/** Reads the position metadata columns of a decoded row, if present. */
export function positionOf(row: Row): RecordPosition | undefined {
  const shardId = row._shard;
  const sequenceNumber = row._seq;
  const arrival = row._arrival;
  if (typeof shardId !== 'string' || typeof sequenceNumber !== 'string') return undefined;
  return { shardId, sequenceNumber, arrivalTime: new Date(typeof arrival === 'number' ? arrival : 0) };
}
