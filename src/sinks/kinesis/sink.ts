import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureStream } from '../../aws/admin.js';
import { SluiceError } from '../../errors.js';
import type { ColumnBatch } from '../../core/batch.js';
import { rowDeadLetter, type DeadLetter } from '../../core/dead-letter.js';
import { KinesisProducer, RECORD_MAX_BYTES } from '../../kinesis/producer.js';
import type { Sink, SinkWriteResult } from '../../core/sink.js';
import type { KinesisSinkConfig } from './config.js';

/**
 * Writes each row as one JSON record to a Kinesis stream through the producer (PutRecords batches,
 * only refused records resent). Guarantee: at-least-once. Kinesis has no idempotent put, so a
 * replay after a crash can write a row twice; consumers dedupe on `_shard`/`_seq` (kept in the JSON).
 */
export class KinesisSink implements Sink {
  private readonly producer: KinesisProducer;

  constructor(
    private readonly kinesis: KinesisClient,
    readonly config: KinesisSinkConfig,
    readonly name = `kinesis:${config.stream}`,
  ) {
    this.producer = new KinesisProducer(kinesis, config.stream, { maxAttempts: 10 });
  }

  async init(): Promise<void> {
    if (this.config.createShards) await ensureStream(this.kinesis, this.config.stream, this.config.createShards);
  }

  async write(batch: ColumnBatch): Promise<SinkWriteResult> {
    const deadLetters: DeadLetter[] = [];
    const records: { data: Uint8Array; partitionKey: string }[] = [];
    for (let k = 0; k < batch.length; k++) {
      const row = batch.row(k);
      const data = Buffer.from(JSON.stringify(row));
      const key = this.config.partitionKeyColumn ? String(row[this.config.partitionKeyColumn] ?? '') : `${row._shard ?? ''}#${row._seq ?? ''}`;
      const partitionKey = (key || 'none').slice(0, 256);
      if (data.byteLength + Buffer.byteLength(partitionKey) > RECORD_MAX_BYTES) {
        deadLetters.push(rowDeadLetter(row, this.name, `row is ${data.byteLength} bytes as JSON, above Kinesis' 1 MiB record limit; fix: select fewer or smaller columns for sink ${this.name}`));
        continue;
      }
      records.push({ data, partitionKey });
    }
    if (records.length === 0) return { written: 0, skipped: 0, deadLetters };
    const result = await this.producer.send(records);
    if (result.failed > 0) {
      const first = result.outcomes.find((o) => o.status === 'failed');
      throw new SluiceError(`${result.failed} of ${records.length} records were not accepted by stream ${this.config.stream}: ${first && first.status === 'failed' ? first.errorCode : ''}`, {
        domain: 'external',
        code: 'PutRecordsFailed',
        retriable: true,
      });
    }
    return { written: result.sent, skipped: 0, deadLetters };
  }

  async close(): Promise<void> {}
}
