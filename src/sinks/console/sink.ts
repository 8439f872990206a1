import type { Row } from '../../engine/operator.js';
import type { Sink, SinkWriteResult } from '../sink.js';
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

  async write(rows: readonly Row[], batchTime: Date): Promise<SinkWriteResult> {
    const header = `-- ${this.name} @ ${batchTime.toISOString()} (${rows.length} rows)\n`;
    if (rows.length === 0) {
      this.out(header);
      return { written: 0, skipped: 0, deadLetters: [] };
    }
    const columns = Object.keys(rows[0]!).filter((c) => !c.startsWith('_'));
    this.out(`${header}${showTable(rows, columns, this.config.rows, this.config.truncate)}`);
    return { written: Math.min(rows.length, this.config.rows), skipped: 0, deadLetters: [] };
  }

  async close(): Promise<void> {}
}
