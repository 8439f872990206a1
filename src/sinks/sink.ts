import type { DeadLetter, Row } from '../engine/operator.js';

export interface SinkWriteResult {
  written: number;
  /** Rows not sent because an identical row with the same key was already written (idempotence). */
  skipped: number;
  /** Rows the destination refused for good (too large, invalid): they go to the dead-letter sink. */
  deadLetters: DeadLetter[];
}

/**
 * One contract for every sink. `write` resolves only when every row it did not turn into a dead
 * letter is durably stored; a rejection means nothing may be checkpointed.
 */
export interface Sink {
  readonly name: string;
  /** Creates destinations (tables, streams) as needed. Idempotent. */
  init(): Promise<void>;
  write(rows: readonly Row[], batchTime: Date): Promise<SinkWriteResult>;
  close(): Promise<void>;
}
