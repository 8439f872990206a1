import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../aws/admin.js';
import { batchWriteAll } from '../../aws/batch-write.js';
import type { ColumnBatch } from '../../core/batch.js';
import { rowDeadLetter, type DeadLetter } from '../../core/dead-letter.js';
import type { Sink, SinkWriteContext, SinkWriteResult } from '../../core/sink.js';
import { SluiceError, invalidOption } from '../../errors.js';
import type { DynamoSinkConfig } from './config.js';
import { columnMarshaller, itemSize, type ColumnMarshaller } from './marshal.js';
import { writeMerged } from './merge.js';

const MAX_ITEM_BYTES = 400 * 1024;

/** 53-bit string hash (cyrb53): enough to tell a changed row from a repeated one, at a fraction of SHA-1's cost. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Writes rows as items with BatchWriteItem (25 per call, several calls in flight), resending only
 * `UnprocessedItems` with exponential backoff. Items are marshalled straight from the batch's
 * columns. Guarantee: at-least-once with idempotent keys, i.e. effectively once per key: a replay
 * after a crash rewrites the same items.
 *
 * An incremental output emits each record once, so nothing is remembered. A window output
 * re-emits its rows every slide; with `dedupe`, a row identical to the one last written under its
 * key within the window length is skipped (a 53-bit hash per key, kept for the window length).
 */
export class DynamoDbSink implements Sink {
  readonly name: string;
  private readonly written = new Map<string, { hash: number; at: number }>();
  /** Whether `init` created the table (it did not exist): with checkpoints already stored, rows written before are gone. */
  createdAtStart = false;
  /** DynamoDB calls made merging partials (see merge.ts), for the benchmark. */
  mergeCalls = 0;

  constructor(
    private readonly db: DynamoDBClient,
    readonly config: DynamoSinkConfig,
    name?: string,
  ) {
    this.name = name ?? `dynamodb:${config.table}`;
  }

  async init(): Promise<void> {
    if (this.config.createTable) this.createdAtStart = await ensureTable(this.db, this.config.table, { partitionKey: { name: this.config.keyAttribute, type: 'S' } });
  }

  private keyIndexes(batch: ColumnBatch): number[] {
    return this.config.keyColumns.map((col) => {
      const i = batch.fieldIndex(col);
      if (i < 0) {
        throw invalidOption(
          `sink ${this.name} keyColumns`,
          this.config.keyColumns,
          `the query's rows have no column ${JSON.stringify(col)} (columns: ${batch.fields.map((f) => f.name).join(', ')}); set keyColumns to columns the query returns`,
        );
      }
      return i;
    });
  }

  async write(batch: ColumnBatch, ctx: SinkWriteContext): Promise<SinkWriteResult> {
    if (batch.length === 0) return { written: 0, skipped: 0, deadLetters: [] };
    if (ctx.merge) {
      // Per-shard partial aggregates: merged in the items, exact across workers (see merge.ts).
      const r = await writeMerged(this.db, this.config, this.name, batch, ctx.merge);
      this.mergeCalls += r.calls;
      return { written: r.written, skipped: r.refused, deadLetters: [] };
    }
    const now = ctx.batchTime.getTime();
    const dedupe = this.config.dedupe && !ctx.emitsOnce;
    if (dedupe) this.evict(now - Math.min(ctx.retentionMs, this.config.dedupeRetentionMs));
    const keyIdx = this.keyIndexes(batch);
    const marshal: ColumnMarshaller[] = batch.fields.map((f, i) => columnMarshaller(f, batch.columns[i]!));
    const names = batch.fields.map((f) => f.name);
    const deadLetters: DeadLetter[] = [];
    // Last row per key wins within a batch (BatchWriteItem refuses duplicate keys in one call).
    const byKey = new Map<string, { item: Record<string, AttributeValue>; hash: number; row: number }>();
    let skipped = 0;
    for (let k = 0; k < batch.length; k++) {
      const p = batch.physical(k);
      let key = '';
      for (let j = 0; j < keyIdx.length; j++) {
        const v = batch.value(keyIdx[j]!, k);
        if (v === undefined || v === null || v === '') {
          throw invalidOption(
            `sink ${this.name} keyColumns`,
            this.config.keyColumns,
            `the query's rows have no value in column ${JSON.stringify(this.config.keyColumns[j])} (columns: ${names.join(', ')}); set keyColumns to columns the query returns`,
          );
        }
        key += (j > 0 ? '#' : '') + (v instanceof Date ? v.toISOString() : String(v));
      }
      const item: Record<string, AttributeValue> = {};
      let approx = 0;
      for (let f = 0; f < marshal.length; f++) {
        const a = marshal[f]!(p);
        item[names[f]!] = a;
        approx += names[f]!.length + (a.S !== undefined ? a.S.length : 8);
      }
      item[this.config.keyAttribute] = { S: key };
      const hash = dedupe ? hash53(JSON.stringify(item)) : 0;
      if (dedupe && this.written.get(key)?.hash === hash) {
        skipped++;
        continue;
      }
      // Characters count at most 3 bytes in UTF-8: only items that could be near the limit are measured.
      if (approx * 3 > MAX_ITEM_BYTES) {
        const size = itemSize(item);
        if (size > MAX_ITEM_BYTES) {
          deadLetters.push(rowDeadLetter(batch.row(k), this.name, `item for key ${key} is ${size} bytes, above DynamoDB's 400 KB item limit; fix: select fewer or smaller columns for sink ${this.name}`));
          continue;
        }
      }
      byKey.set(key, { item, hash, row: k });
    }
    const entries = [...byKey.entries()];
    const chunks: [string, { item: Record<string, AttributeValue>; hash: number; row: number }][][] = [];
    for (let i = 0; i < entries.length; i += 25) chunks.push(entries.slice(i, i + 25));
    // The fence, asked again right before each request: a worker that lost a shard's lease in the
    // middle of this write (frozen, or slow) sends none of that shard's rows after that.
    const { holds } = ctx;
    const keyAttr = this.config.keyAttribute;
    let fenced = 0;
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const rowOf = new Map<WriteRequest, number>();
        const requests = chunk.map(([, e]) => {
          const q = { PutRequest: { Item: e.item } };
          if (holds) rowOf.set(q, e.row);
          return q;
        });
        // Requests DynamoDB left unprocessed come back as new objects: those are found by key.
        const admits = holds ? (q: WriteRequest) => holds(rowOf.get(q) ?? byKey.get(q.PutRequest!.Item![keyAttr]!.S!)!.row) : undefined;
        const left = await batchWriteAll(this.db, this.config.table, requests, { retries: 15, initialDelayMs: 50, maxDelayMs: 5_000 }, admits);
        fenced += left;
        if (dedupe) {
          for (const [key, e] of chunk) {
            if (left > 0 && !holds!(e.row)) continue;
            this.written.delete(key); // re-insert so the map stays in time order for eviction
            this.written.set(key, { hash: e.hash, at: now });
          }
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.config.concurrency, chunks.length) }, worker));
    } catch (error) {
      // The table was there at start: gone now is an external failure (exit 1), not a pipeline mistake.
      if (error instanceof SluiceError && error.code === 'ResourceNotFoundException') {
        throw new SluiceError(
          `output table ${this.config.table} no longer exists (deleted while Sluice was running?): this batch is neither written nor checkpointed; a restart creates the table again, but the rows written to it before are gone (see the warning at start)`,
          { domain: 'external', code: 'TableDeleted', retriable: false, cause: error },
        );
      }
      throw error;
    }
    return { written: entries.length - fenced, skipped, deadLetters, ...(fenced > 0 ? { fenced } : {}) };
  }

  /** Items ready to send, without sending them: what `write` prepares (for benchmarks). */
  prepare(batch: ColumnBatch): number {
    const marshal = batch.fields.map((f, i) => columnMarshaller(f, batch.columns[i]!));
    const keyIdx = this.keyIndexes(batch);
    let n = 0;
    for (let k = 0; k < batch.length; k++) {
      const p = batch.physical(k);
      const item: Record<string, AttributeValue> = {};
      for (let f = 0; f < marshal.length; f++) item[batch.fields[f]!.name] = marshal[f]!(p);
      item[this.config.keyAttribute] = { S: keyIdx.map((i) => String(batch.value(i, k))).join('#') };
      n++;
    }
    return n;
  }

  private evict(horizon: number): void {
    for (const [k, v] of this.written) {
      if (v.at >= horizon) break; // insertion order is time order
      this.written.delete(k);
    }
  }

  async close(): Promise<void> {
    this.written.clear();
  }
}
