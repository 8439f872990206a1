import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../aws/admin.js';
import { awsCall, awsErrorCode, classifyAwsError } from '../../aws/errors.js';
import { SluiceError, invalidOption } from '../../errors.js';
import type { ColumnBatch } from '../../core/batch.js';
import { rowDeadLetter, type DeadLetter } from '../../core/dead-letter.js';
import { compareSequence } from '../../kinesis/position.js';
import { retry } from '../../retry.js';
import type { Sink, SinkWriteResult } from '../../core/sink.js';
import type { CounterSinkConfig } from './config.js';

interface Contribution {
  /** Per shard: the records' sequence numbers and values, to keep only those not yet counted. */
  byShard: Map<string, { seq: string; value: number }[]>;
  keyValues: Record<string, unknown>;
}

/** `<sequence>` or `<sequence>:<sub>` (KPL) as a comparable pair. */
function splitSeq(seq: string): [string, number] {
  const i = seq.indexOf(':');
  return i === -1 ? [seq, -1] : [seq.slice(0, i), Number(seq.slice(i + 1))];
}

function compareFull(a: string, b: string): number {
  const [sa, ia] = splitSeq(a);
  const [sb, ib] = splitSeq(b);
  return compareSequence(sa, sb) || ia - ib;
}

/**
 * Counters in DynamoDB that are exact under replays: the fix for seed 004 (Snowplow), whose
 * per-batch writes overwrote each other's counts. Rows are per-record (they keep `_shard` and
 * `_seq`); the sink groups them by `keyColumns` and adds each group to one item with a single
 * conditional UpdateItem that also records, per shard, the last sequence number counted
 * (`shards.<shardId>`). Before adding, it reads the item and counts only records after that
 * sequence number, and the update is conditional on it being unchanged. Each shard has one writer
 * (its lease holder), so a record is added exactly once, whatever window re-emits it and however a
 * replay after a crash cuts its batches. No transactions needed (dynalite has none).
 */
export class CounterSink implements Sink {
  readonly name: string;

  constructor(
    private readonly db: DynamoDBClient,
    readonly config: CounterSinkConfig,
    name?: string,
  ) {
    this.name = name ?? `dynamodb-counter:${config.table}`;
  }

  async init(): Promise<void> {
    if (this.config.createTable) await ensureTable(this.db, this.config.table, { partitionKey: { name: this.config.keyAttribute, type: 'S' } });
  }

  async write(batch: ColumnBatch): Promise<SinkWriteResult> {
    const deadLetters: DeadLetter[] = [];
    const groups = new Map<string, Contribution>();
    const shardIdx = batch.fieldIndex('_shard');
    const seqIdx = batch.fieldIndex('_seq');
    if (batch.length > 0 && (shardIdx < 0 || seqIdx < 0)) {
      throw invalidOption(
        `sink ${this.name}`,
        batch.fields.map((f) => f.name),
        'a counter needs one row per record with its _shard and _seq columns (select them, and do not GROUP BY: the sink does the counting)',
      );
    }
    const sumIdx = this.config.sumColumn ? batch.fieldIndex(this.config.sumColumn) : -1;
    const keyIdx = this.config.keyColumns.map((c) => batch.fieldIndex(c));
    for (let k = 0; k < batch.length; k++) {
      const shard = batch.value(shardIdx, k);
      const seq = batch.value(seqIdx, k);
      if (typeof shard !== 'string' || typeof seq !== 'string') {
        throw invalidOption(`sink ${this.name}`, batch.fields.map((f) => f.name), 'a counter needs _shard and _seq on every row (one row per record)');
      }
      let value = 1;
      if (this.config.sumColumn) {
        const v = sumIdx < 0 ? undefined : batch.value(sumIdx, k);
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          deadLetters.push(rowDeadLetter(batch.row(k), this.name, `field ${this.config.sumColumn}: ${JSON.stringify(v)} is not a finite number; fix: sum a numeric column`));
          continue;
        }
        value = v;
      }
      const keyParts: string[] = [];
      const keyValues: Record<string, unknown> = {};
      let missing: string | undefined;
      this.config.keyColumns.forEach((col, j) => {
        const v = keyIdx[j]! < 0 ? undefined : batch.value(keyIdx[j]!, k);
        if (v === null || v === undefined || v === '') missing ??= col;
        keyParts.push(v instanceof Date ? v.toISOString() : String(v));
        keyValues[col] = v;
      });
      if (missing) {
        deadLetters.push(rowDeadLetter(batch.row(k), this.name, `field ${missing}: empty, but it is part of the counter key; fix: give every record a ${missing}`));
        continue;
      }
      const key = keyParts.join('#');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { byShard: new Map(), keyValues }));
      let list = g.byShard.get(shard);
      if (!list) g.byShard.set(shard, (list = []));
      list.push({ seq, value });
    }
    let written = 0;
    let skipped = 0;
    for (const [key, g] of groups) {
      for (const [shard, records] of g.byShard) {
        const r = await this.add(key, g.keyValues, shard, records);
        written += r.added;
        skipped += r.skipped;
      }
    }
    return { written, skipped, deadLetters };
  }

  /** Adds one shard's records to one counter, exactly once. */
  private async add(key: string, keyValues: Record<string, unknown>, shard: string, records: { seq: string; value: number }[]): Promise<{ added: number; skipped: number }> {
    return retry(
      async () => {
        const item = await awsCall('GetItem', () =>
          this.db.send(new GetItemCommand({ TableName: this.config.table, Key: { [this.config.keyAttribute]: { S: key } }, ConsistentRead: true })),
        );
        const last = item.Item?.shards?.M?.[shard]?.S;
        const fresh = last === undefined ? records : records.filter((r) => compareFull(r.seq, last) > 0);
        // The same record can appear twice in one batch's rows (a window): count it once.
        const unique = new Map(fresh.map((r) => [r.seq, r.value]));
        if (unique.size === 0) return { added: 0, skipped: records.length };
        const total = [...unique.values()].reduce((a, b) => a + b, 0);
        const newest = [...unique.keys()].reduce((a, b) => (compareFull(a, b) >= 0 ? a : b));
        const isNew = item.Item === undefined;
        const names: Record<string, string> = { '#v': this.config.valueAttribute, '#s': 'shards' };
        const values: Record<string, AttributeValue> = { ':n': { N: String(total) } };
        let setKeys = '';
        Object.entries(keyValues).forEach(([col, v], i) => {
          if (col === this.config.keyAttribute || col === this.config.valueAttribute || col === 'shards') return;
          names[`#k${i}`] = col;
          values[`:k${i}`] = typeof v === 'number' ? { N: String(v) } : { S: v instanceof Date ? v.toISOString() : String(v) };
          setKeys += `, #k${i} = :k${i}`;
        });
        let update: string;
        let condition: string;
        if (isNew) {
          // A new item gets the shard map whole: a nested path cannot be set in a map that does not exist yet.
          update = `SET #s = :shards, #v = :n${setKeys}`;
          condition = 'attribute_not_exists(#s)';
          values[':shards'] = { M: { [shard]: { S: newest } } };
        } else {
          update = `SET #s.#shard = :seq${setKeys} ADD #v :n`;
          names['#shard'] = shard;
          values[':seq'] = { S: newest };
          if (last === undefined) condition = 'attribute_not_exists(#s.#shard)';
          else {
            condition = '#s.#shard = :last';
            values[':last'] = { S: last };
          }
        }
        try {
          await this.db.send(
            new UpdateItemCommand({
              TableName: this.config.table,
              Key: { [this.config.keyAttribute]: { S: key } },
              UpdateExpression: update,
              ConditionExpression: condition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          );
        } catch (error) {
          if (awsErrorCode(error) === 'ConditionalCheckFailedException') {
            // Someone moved this counter since we read it (a shard changed hands): read again.
            throw new SluiceError(`counter ${key} changed while adding shard ${shard}`, { domain: 'external', code: 'CounterRace', retriable: true });
          }
          throw classifyAwsError(error, `UpdateItem on ${this.config.table}`);
        }
        return { added: unique.size, skipped: records.length - unique.size };
      },
      { retries: 10 },
    );
  }

  async close(): Promise<void> {}
}
