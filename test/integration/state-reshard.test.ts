import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, MergeShardsCommand, SplitShardCommand, type Shard } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream, waitForStream } from '../../src/aws/admin.js';
import { createAnomalyOperator, type AnomalyOperatorOptions } from '../../src/detect/operator.js';
import type { Row } from '../../src/core/batch.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { putAll, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice } from '../helpers/sluice-process.js';

const env = useLocalStack();
const PHASE = 240;
const detector: AnomalyOperatorOptions = { detector: 'rcf', params: { numberOfTrees: 8, sampleSize: 32 }, value: 'currentTemp', key: 'id' };

function pipeline(app: string, stream: string, table: string): PipelineConfigInput {
  return {
    app,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 40, describeShardInterval: '500ms' },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }] },
    batchInterval: 150,
    maxRecordsPerBatch: 40,
    catchUp: false, // one small batch per interval: the run lasts long enough for kills and lease moves to land mid-run
    stateInterval: 300,
    operators: [{ kind: 'anomaly', ...detector }],
    outputs: [{ name: 'scores', sql: 'SELECT id, currentTemp, anomaly_score, _shard, _seq FROM events', sink: { kind: 'dynamodb', table } }],
    lease: { failover: '2s' },
  };
}

const lines = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k).map((i) => Buffer.from(`s${i % 3},${Math.round(100 + 40 * Math.sin(i / 20) + (i % 89 === 0 ? 250 : 0))}`));

async function shards(stream: string): Promise<Shard[]> {
  return (await env.clients.kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
}

/** Every record of a shard, read straight from Kinesis, as the rows the operator sees. */
async function rowsOf(stream: string, shardId: string): Promise<Row[]> {
  let it = (await env.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: Row[] = [];
  for (let empty = 0; it && empty < 3; ) {
    const r = await env.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const rec of r.Records ?? []) {
      const [id, temp] = Buffer.from(rec.Data!).toString().split(',');
      out.push({ id, currentTemp: Number(temp), _shard: shardId, _seq: rec.SequenceNumber!, _arrival: rec.ApproximateArrivalTimestamp!.getTime() });
    }
    empty = (r.Records ?? []).length === 0 ? empty + 1 : 0;
    it = r.NextShardIterator;
  }
  return out;
}

describe('partitioned state across a reshard', () => {
  it('children of a split start from their parent’s models, a merged shard from the union of its parents’ (ParentShardId first)', async () => {
    const stream = `ks-${uniqueName('reshard')}`;
    await ensureStream(env.clients.kinesis, stream, 1);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-reshard-'));
    const table = `scores-${uniqueName('r')}`;
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify(pipeline(`reshard-${uniqueName('app')}`, stream, table)));
    const { child, out, exited } = startSluice(env.stack, file);
    const count = async () => (await scanAll(env.clients.dynamodb, table).catch(() => [])).length;
    try {
      await putAll(env.clients.kinesis, stream, lines(0, PHASE));
      await waitFor(async () => (await count()) >= PHASE, 60_000, `parent scored; worker said: ${out()}`);
      const [parent] = await shards(stream);
      const lo = BigInt(parent!.HashKeyRange!.StartingHashKey!);
      const hi = BigInt(parent!.HashKeyRange!.EndingHashKey!);
      await env.clients.kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent!.ShardId!, NewStartingHashKey: ((lo + hi) / 2n).toString() }));
      await waitForStream(env.clients.kinesis, stream);
      await putAll(env.clients.kinesis, stream, lines(PHASE, PHASE));
      await waitFor(async () => (await count()) >= 2 * PHASE, 60_000, `children scored; worker said: ${out()}`);
      const children = (await shards(stream)).filter((s) => s.ParentShardId === parent!.ShardId);
      expect(children).toHaveLength(2);
      await env.clients.kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: children[0]!.ShardId!, AdjacentShardToMerge: children[1]!.ShardId! }));
      await waitForStream(env.clients.kinesis, stream);
      await putAll(env.clients.kinesis, stream, lines(2 * PHASE, PHASE));
      await waitFor(async () => (await count()) >= 3 * PHASE, 60_000, `merged shard scored; worker said: ${out()}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const merged = (await shards(stream)).find((s) => s.AdjacentParentShardId !== undefined)!;
    expect(merged).toBeDefined();

    // The expected scores, from the operator alone and the documented rule: a split's children each
    // start from a copy of the parent's models; a merged shard from every key of ParentShardId and
    // the keys only AdjacentParentShardId has.
    const op = createAnomalyOperator(detector);
    const ctx = { batchId: 0, batchTime: new Date(0), deadLetter: () => undefined };
    const expected = new Map<string, number>();
    const score = async (rows: Row[]) => {
      for (const r of (await op.processBatch({ rows }, ctx)).rows) expected.set(String(r._seq), r.anomaly_score as number);
    };
    const copy = (shard: string) => JSON.parse(JSON.stringify([...op.snapshotPartition(shard)])) as [string, unknown][];
    const parentId = merged.ParentShardId === undefined ? '' : (await shards(stream)).find((s) => s.ShardId === merged.ParentShardId)!.ParentShardId!;
    await score(await rowsOf(stream, parentId));
    for (const c of [merged.ParentShardId!, merged.AdjacentParentShardId!]) {
      op.restorePartition(c, copy(parentId));
      await score(await rowsOf(stream, c));
    }
    const first = copy(merged.ParentShardId!);
    const keys = new Set(first.map(([k]) => k));
    op.restorePartition(merged.ShardId!, [...first, ...copy(merged.AdjacentParentShardId!).filter(([k]) => !keys.has(k))]);
    const mergedRows = await rowsOf(stream, merged.ShardId!);
    expect(mergedRows.length).toBeGreaterThan(0);
    await score(mergedRows);
    expect(expected.size).toBe(3 * PHASE);

    const got = new Map((await scanAll(env.clients.dynamodb, table)).map((r) => [String(r._seq), r.anomaly_score as number]));
    expect(got.size).toBe(3 * PHASE);
    const differing = [...expected].filter(([seq, s]) => got.get(seq) !== s);
    expect(differing.length, `scores differing from parent -> children -> merged inheritance, first ${JSON.stringify(differing.slice(0, 3))}`).toBe(0);
  }, 240_000);
});
