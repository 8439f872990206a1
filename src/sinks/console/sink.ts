import type { ColumnBatch, Row } from '../../core/batch.js';
import type { Sink, SinkWriteContext, SinkWriteResult } from '../../core/sink.js';
import type { ConsoleSinkConfig } from './config.js';
import { showTable } from './show.js';

/** Prints each batch's rows as a Spark-style table. At-most-once by nature: the console keeps nothing. */
export class ConsoleSink implements Sink {
  constructor(
    readonly config: ConsoleSinkConfig,
    readonly name = 'console',
    private readonly out: (text: string) => void = (t) => process.stdout.write(t),
  ) {}

  async init(): Promise<void> {}

  async write(batch: ColumnBatch, ctx: SinkWriteContext): Promise<SinkWriteResult> {
    const header = `-- ${this.name} @ ${ctx.batchTime.toISOString()} (${batch.length} rows)\n`;
    if (batch.length === 0) {
      this.out(header);
      return { written: 0, skipped: 0, deadLetters: [] };
    }
    // Only the rows shown (and one more, so show() can say there are more) become objects.
    const rows: Row[] = [];
    for (let k = 0; k < Math.min(batch.length, this.config.rows + 1); k++) rows.push(batch.row(k));
    const columns = batch.fields.map((f) => f.name).filter((c) => !c.startsWith('_'));
    this.out(`${header}${showTable(rows, columns, this.config.rows, this.config.truncate)}`);
    return { written: Math.min(batch.length, this.config.rows), skipped: 0, deadLetters: [] };
  }

  async close(): Promise<void> {}
}
