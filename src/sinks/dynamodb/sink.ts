import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { ensureTable } from '../../aws/admin.js';
import { batchWriteAll } from '../../aws/batch-write.js';
import { invalidOption } from '../../errors.js';
import { rowDeadLetter, type DeadLetter, type Row } from '../../engine/operator.js';
import type { Sink, SinkWriteResult } from '../sink.js';
import type { DynamoSinkConfig } from './config.js';
import { itemSize, toAttribute } from './marshal.js';

const MAX_ITEM_BYTES = 400 * 1024;

/** JSON of a row for content comparison; bigints as decimal strings. */
function stableJson(row: Row): string {
  return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Writes rows as items with BatchWriteItem (25 per call, several calls in flight), resending only
 * `UnprocessedItems` with exponential backoff. Guarantee: at-least-once with idempotent keys, i.e.
 * effectively once per key: a replay after a crash rewrites the same items.
 */
export class DynamoDbSink implements Sink {
  readonly name: string;
  private readonly written = new Map<string, { hash: string; at: number }>();

  constructor(
    private readonly db: DynamoDBClient,
    readonly config: DynamoSinkConfig,
    name?: string,
  ) {
    this.name = name ?? `dynamodb:${config.table}`;
  }

  async init(): Promise<void> {
    if (this.config.createTable) await ensureTable(this.db, this.config.table, { partitionKey: { name: this.config.keyAttribute, type: 'S' } });
  }

  private keyOf(row: Row): string {
    const parts: string[] = [];
    for (const col of this.config.keyColumns) {
      const v = row[col];
      if (v === undefined || v === null || v === '') {
        throw invalidOption(
          `sink ${this.name} keyColumns`,
          this.config.keyColumns,
          `the query's rows have no value in column ${JSON.stringify(col)} (columns: ${Object.keys(row).join(', ')}); set keyColumns to columns the query returns`,
        );
      }
      parts.push(v instanceof Date ? v.toISOString() : String(v));
    }
    return parts.join('#');
  }

  async write(rows: readonly Row[], batchTime: Date): Promise<SinkWriteResult> {
    const now = batchTime.getTime();
    this.evict(now);
    const deadLetters: DeadLetter[] = [];
    // Last row per key wins within a batch (BatchWriteItem refuses duplicate keys in one call).
    const byKey = new Map<string, { item: Record<string, AttributeValue>; hash: string }>();
    let skipped = 0;
    for (const row of rows) {
      const key = this.keyOf(row);
      // Dedupe before marshalling: a window re-emits rows already written, and most are skipped here.
      const hash = this.config.dedupe ? createHash('sha1').update(stableJson(row)).digest('base64') : '';
      if (this.config.dedupe && this.written.get(key)?.hash === hash) {
        skipped++;
        continue;
      }
      const item: Record<string, AttributeValue> = {};
      for (const [k, v] of Object.entries(row)) if (v !== undefined) item[k] = toAttribute(v);
      item[this.config.keyAttribute] = { S: key };
      const size = itemSize(item);
      if (size > MAX_ITEM_BYTES) {
        deadLetters.push(
          rowDeadLetter(row, this.name, `item for key ${key} is ${size} bytes, above DynamoDB's 400 KB item limit; fix: select fewer or smaller columns for sink ${this.name}`),
        );
        continue;
      }
      byKey.set(key, { item, hash });
    }
    const entries = [...byKey.entries()];
    const chunks: [string, { item: Record<string, AttributeValue>; hash: string }][][] = [];
    for (let i = 0; i < entries.length; i += 25) chunks.push(entries.slice(i, i + 25));
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        await batchWriteAll(this.db, this.config.table, chunk.map(([, e]) => ({ PutRequest: { Item: e.item } })), { retries: 15, initialDelayMs: 50, maxDelayMs: 5_000 });
        if (this.config.dedupe) {
          for (const [key, e] of chunk) {
            this.written.delete(key); // re-insert so the map stays in time order for eviction
            this.written.set(key, { hash: e.hash, at: now });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.concurrency, chunks.length) }, worker));
    return { written: entries.length, skipped, deadLetters };
  }

  private evict(now: number): void {
    if (!this.config.dedupe) return;
    const horizon = now - this.config.dedupeRetentionMs;
    for (const [k, v] of this.written) {
      if (v.at >= horizon) break; // insertion order is time order
      this.written.delete(k);
    }
  }

  async close(): Promise<void> {
    this.written.clear();
  }
}

