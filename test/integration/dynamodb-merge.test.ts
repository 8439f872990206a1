import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../src/checkpoint/memory-store.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { MemorySource } from '../../src/sources/memory.js';
import { DynamoDbSink } from '../../src/sinks/dynamodb/sink.js';
import { scanAll } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const T0 = Date.parse('2026-01-01T00:00:00Z');

function config(table: string, having = ''): PipelineConfigInput {
  return {
    app: 'merge-unit',
    source: { stream: 'unit' },
    format: { kind: 'json', columns: [{ name: 'ts', type: 'long' }, { name: 'k', type: 'string' }, { name: 'v', type: 'long' }] },
    window: { kind: 'tumbling', length: '1m', eventTime: { column: 'ts', watermark: '0s', idleTimeout: '1h', outputMode: 'update' } },
    outputs: [
      {
        name: 'out',
        sql: `SELECT strftime(window_start, '%H:%M') AS minute, k, count(*) AS n, sum(v) AS total, max(v) AS high FROM events GROUP BY window_start, k${having}`,
        sink: { kind: 'dynamodb', table, keyColumns: ['minute', 'k'] },
      },
    ],
  };
}

/** One worker reading `shards` of a memory source (manual clock), writing to the real dynamodb sink. */
async function worker(table: string, shards: string[], having = '') {
  const source = new MemorySource(shards);
  const sink = new DynamoDbSink(env.clients.dynamodb, { kind: 'dynamodb', table, keyAttribute: 'id', keyColumns: ['minute', 'k'], dedupe: true, dedupeRetentionMs: 60_000, concurrency: 4, createTable: true });
  const query = new StreamingQuery({ config: parsePipelineConfig(config(table, having)), source, sinks: { out: sink }, checkpointStore: new MemoryCheckpointStore(), clock: 'manual' });
  await query.start();
  let step = 0;
  const sent = new Map<string, number>();
  return {
    query,
    async feed(shard: string, values: number[]) {
      // Event times move on per shard (record n of a shard at T0 + n * 100 ms): none late.
      const n = sent.get(shard) ?? 0;
      sent.set(shard, n + values.length);
      source.push(shard, values.map((v, i) => Buffer.from(JSON.stringify({ ts: T0 + (n + i) * 100, k: 'a', v }))), T0);
      await query.step(new Date(T0 + ++step * 1000));
    },
  };
}

const items = async (table: string) => (await scanAll(env.clients.dynamodb, table)).map((i) => ({ n: i.n, total: i.total, high: i.high }));

describe('the dynamodb sink merges per-shard partials (merge.ts)', () => {
  it('two workers with one shard each: the item holds both shards; a stale partial (a zombie, a replay of an older position) is refused', async () => {
    const table = uniqueName('merge');
    const a = await worker(table, ['p0']);
    const b = await worker(table, ['p1']);
    await a.feed('p0', [1, 2, 3]);
    await b.feed('p1', [10, 20]);
    expect(await items(table)).toEqual([{ n: 5, total: 36, high: 20 }]);
    await a.feed('p0', [4]); // p0 now at position 4: cumulative partial of 4 records
    expect(await items(table)).toEqual([{ n: 6, total: 40, high: 20 }]);
    // A zombie that still reads p0 from the start (its lease moved): its partial covers position 2 only.
    const zombie = await worker(table, ['p0']);
    await zombie.feed('p0', [1, 2]);
    expect(await items(table)).toEqual([{ n: 6, total: 40, high: 20 }]);
    // The same partial at the same position (a replay after a crash): taken, nothing changes.
    const replay = await worker(table, ['p1']);
    await replay.feed('p1', [10, 20]);
    expect(await items(table)).toEqual([{ n: 6, total: 40, high: 20 }]);
    for (const w of [a, b, zombie, replay]) await w.query.stop();
  }, 60_000);

  it('HAVING is decided on the merged group: a group that passes only with both shards shows its columns', async () => {
    const table = uniqueName('merge-having');
    const a = await worker(table, ['p0'], ' HAVING count(*) >= 4');
    const b = await worker(table, ['p1'], ' HAVING count(*) >= 4');
    await a.feed('p0', [1, 2]);
    expect(await items(table)).toEqual([{ n: undefined, total: undefined, high: undefined }]);
    await b.feed('p1', [3, 4]);
    expect(await items(table)).toEqual([{ n: 4, total: 10, high: 4 }]);
    for (const w of [a, b]) await w.query.stop();
  }, 60_000);
});
