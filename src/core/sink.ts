import type { ColumnBatch } from './batch.js';
import type { DeadLetter } from './dead-letter.js';

export interface SinkWriteResult {
  written: number;
  /** Rows not sent because an identical row with the same key was already written (idempotence). */
  skipped: number;
  /** Rows the destination refused for good (too large, invalid): they go to the dead-letter sink. */
  deadLetters: DeadLetter[];
  /** Rows not sent because {@link SinkWriteContext.holds} refused them: their shards' new owner writes them. */
  fenced?: number;
}

export interface SinkWriteContext {
  /** Processing time of the micro-batch. */
  readonly batchTime: Date;
  /**
   * True when the output emits each record's row once (an incremental projection/filter), so a
   * keyed sink need not remember what it wrote. False for window results re-emitted each slide.
   */
  readonly emitsOnce: boolean;
  /** How long a re-emitted row can come back (the window length), for sinks that dedupe. */
  readonly retentionMs: number;
  /**
   * Set when the rows are partial aggregates, one per (group, shard), for a sink to merge across
   * workers (event-time GROUP BY into `dynamodb`): see {@link PartialMerge}.
   */
  readonly merge?: PartialMerge;
  /**
   * The sink fence as it stands right now: false when row `k`'s shard may already be another
   * worker's (this one was frozen or slow past its lease). A sink whose writes can overwrite a
   * newer row asks it right before each request it sends, retries included, and leaves out the
   * rows it refuses (the shard's new owner writes them; their checkpoint is refused). Absent
   * without leases, or when rows cannot be traced to a shard.
   */
  readonly holds?: (k: number) => boolean;
}

/**
 * Partial aggregates to merge: each row is one shard's cumulative partial of one group, with the
 * user's columns (those naming the group key the item), `__part` (the shard), `__fence` (the
 * shard's position the partial covers, as text that orders as positions do) and `__partial` (the
 * partial, opaque text). A sink keeps, per item, each shard's latest partial (an older fence never
 * replaces a newer one) and shows the user's columns computed from all of them with `derive`.
 */
export interface PartialMerge {
  /**
   * The user's columns for each list of partials (one list per item, every shard's partial):
   * one row per list, in order, with `__i` (its index) and, when the query has a HAVING,
   * `__keep` (false: the group does not pass it, show nothing).
   */
  derive(merges: readonly (readonly string[])[]): Promise<ColumnBatch>;
}

/**
 * One contract for every sink. `write` receives the output's rows as columns and resolves only when
 * every row it did not turn into a dead letter is durably stored; a rejection means nothing may
 * be checkpointed.
 */
export interface Sink {
  readonly name: string;
  /** Creates destinations (tables, streams) as needed. Idempotent. */
  init(): Promise<void>;
  write(batch: ColumnBatch, ctx: SinkWriteContext): Promise<SinkWriteResult>;
  close(): Promise<void>;
}
