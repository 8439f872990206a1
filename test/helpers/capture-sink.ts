import type { ColumnBatch, Row } from '../../src/core/batch.js';
import type { Sink, SinkWriteContext, SinkWriteResult } from '../../src/core/sink.js';

/** A sink that keeps every batch it is given, as rows, with the write context: for engine tests. */
export class CaptureSink implements Sink {
  readonly writes: { rows: Row[]; ctx: SinkWriteContext }[] = [];
  constructor(readonly name: string) {}
  async init(): Promise<void> {}
  async write(batch: ColumnBatch, ctx: SinkWriteContext): Promise<SinkWriteResult> {
    this.writes.push({ rows: [...batch.rows], ctx });
    return { written: batch.length, skipped: 0, deadLetters: [] };
  }
  async close(): Promise<void> {}
  /** Every row written, in order. */
  get rows(): Row[] {
    return this.writes.flatMap((w) => w.rows);
  }
}
