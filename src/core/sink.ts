import type { ColumnBatch } from './batch.js';
import type { DeadLetter } from './dead-letter.js';

export interface SinkWriteResult {
  written: number;
  /** Rows not sent because an identical row with the same key was already written (idempotence). */
  skipped: number;
  /** Rows the destination refused for good (too large, invalid): they go to the dead-letter sink. */
  deadLetters: DeadLetter[];
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
