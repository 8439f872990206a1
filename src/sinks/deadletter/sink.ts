import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SluiceError } from '../../errors.js';
import { ColumnBatch, type Field, type Row } from '../../core/batch.js';
import type { DeadLetter } from '../../core/dead-letter.js';
import { DynamoDbSink } from '../dynamodb/sink.js';

const RAW_KEEP_BYTES = 256 * 1024;

const FIELDS: readonly Field[] = [
  { name: 'dead_letter_id', type: 'string' },
  { name: 'raw_truncated', type: 'boolean' },
  { name: 'raw_sha256', type: 'string' },
  { name: 'stage', type: 'string' },
  { name: 'reason', type: 'string' },
  { name: 'raw_base64', type: 'string' },
  { name: 'raw_bytes', type: 'long' },
  { name: 'shard_id', type: 'string' },
  { name: 'sequence_number', type: 'string' },
  { name: 'partition_key', type: 'string' },
  { name: 'arrival_time', type: 'string' },
  { name: 'failed_at', type: 'string' },
];

/**
 * The dead-letter destination: a DynamoDB table with one item per refused record, holding the raw
 * bytes (base64), shard, sequence number, arrival time, the stage that refused it and the reason.
 * Keyed by shard + sequence number (+ stage), so a replay after a crash rewrites the same items.
 */
export class DeadLetterSink {
  private readonly table: DynamoDbSink;

  constructor(db: DynamoDBClient, readonly tableName: string) {
    this.table = new DynamoDbSink(
      db,
      { kind: 'dynamodb', table: tableName, keyAttribute: 'dead_letter_id', keyColumns: ['dead_letter_id'], dedupe: false, dedupeRetentionMs: 1, concurrency: 4, createTable: true },
      `deadletter:${tableName}`,
    );
  }

  init(): Promise<void> {
    return this.table.init();
  }

  /** `failedAt`: when the refusal reached the dead-letter table, not the batch's scheduled start (which can precede the record's arrival). */
  static toRow(letter: DeadLetter, failedAt: Date): Row {
    const raw = Buffer.from(letter.raw);
    const p = letter.position;
    const id = p
      ? `${p.shardId}#${p.sequenceNumber}#${letter.stage}`
      : `${letter.stage}#${createHash('sha1').update(raw).update(letter.reason).digest('hex')}`;
    // An item holds at most 400 KB: keep the first RAW_KEEP_BYTES of an oversized payload, say so,
    // and keep the whole payload's SHA-256 so it can be matched against the producer's copy.
    const truncated = raw.byteLength > RAW_KEEP_BYTES;
    return {
      dead_letter_id: id,
      raw_truncated: truncated,
      raw_sha256: createHash('sha256').update(raw).digest('hex'),
      stage: letter.stage,
      reason: letter.reason,
      raw_base64: (truncated ? raw.subarray(0, RAW_KEEP_BYTES) : raw).toString('base64'),
      raw_bytes: raw.byteLength,
      shard_id: p?.shardId ?? null,
      sequence_number: p?.sequenceNumber ?? null,
      partition_key: p?.partitionKey ?? null,
      arrival_time: p ? p.arrivalTime.toISOString() : null,
      failed_at: failedAt.toISOString(),
    };
  }

  async write(letters: readonly DeadLetter[], batchTime: Date): Promise<number> {
    if (letters.length === 0) return 0;
    // failed_at is when the refusal is written, never earlier than the record's arrival.
    const failedAt = new Date();
    const rows = letters.map((l) => DeadLetterSink.toRow(l, failedAt));
    const r = await this.table.write(ColumnBatch.fromRows(FIELDS, rows), { batchTime, emitsOnce: true, retentionMs: 0 });
    if (r.deadLetters.length > 0) {
      throw new SluiceError(`dead-letter table ${this.tableName} refused ${r.deadLetters.length} items: ${r.deadLetters[0]!.reason}`, {
        domain: 'internal',
        code: 'DeadLetterRefused',
      });
    }
    return r.written;
  }

  close(): Promise<void> {
    return this.table.close();
  }
}
