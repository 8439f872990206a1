import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import type { PipelineConfig } from '../../src/pipeline/config.js';
import { seededRandom } from '../../src/random.js';
import { countItems, scanAll, waitFor, type Sent } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { startSluice } from '../helpers/sluice-process.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const DELAY_MS = 20_000;
const T0 = Date.parse('2015-06-05T12:00:00Z');
const RUNS = 10;
const LANES = 3;

function pipeline(stream: string, id: string): PipelineConfig {
  return {
    app: `ls-${id}`,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 25 },
    format: { kind: 'json', columns: [{ name: 'timestamp', type: 'timestamp' }, { name: 'type', type: 'string' }] },
    batchInterval: 100,
    maxRecordsPerBatch: 20,
    catchUp: false, // one small batch per interval: the run lasts long enough for kills and lease moves to land mid-run
    stateInterval: 300,
    // A short idle timeout: with the old rule the silent shard's records were judged against the
    // other shards' watermark once it had been idle, so the late set depended on timing.
    window: { kind: 'tumbling', length: '1m', eventTime: { column: 'timestamp', watermark: '20s', idleTimeout: '1s', outputMode: 'append' } },
    outputs: [{ name: 'rows', sql: 'SELECT type, _shard, _seq FROM events', sink: { kind: 'dynamodb', table: `rows-${id}` } }],
    deadLetter: { table: `dead-${id}` },
    lease: { failover: '2s' },
  } as unknown as PipelineConfig;
}

/**
 * Shards a and b: 120 records each, event time moving 1 s a record with up to 30 s of disorder.
 * Shard c: silent at first, then 80 records whose event times start 2 minutes behind a and b.
 */
function data(): { ab: { shard: number; body: string }[]; c: { shard: number; body: string }[] } {
  const rnd = seededRandom(42);
  const rec = (shard: number, i: number, base: number) => ({ shard, body: JSON.stringify({ timestamp: new Date(base + i * 1000 - Math.floor(rnd() * 30_000)).toISOString(), type: `s${shard}`, i }) });
  const ab = Array.from({ length: 240 }, (_, i) => rec(i % 2, i >> 1, T0 + 120_000));
  const c = Array.from({ length: 80 }, (_, i) => rec(2, i, T0));
  return { ab, c };
}

/** Puts each record on the shard it names (an explicit hash key in that shard's third of the hash range). */
async function put(stream: string, records: readonly { shard: number; body: string }[]): Promise<Sent[]> {
  const third = (2n ** 128n - 1n) / 3n;
  const out: Sent[] = [];
  for (let i = 0; i < records.length; i += 200) {
    const chunk = records.slice(i, i + 200);
    const r = await env.clients.kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: chunk.map((x, j) => ({ Data: Buffer.from(x.body), PartitionKey: `k${i + j}`, ExplicitHashKey: String(third * BigInt(x.shard) + third / 2n) })) }),
    );
    if (r.FailedRecordCount) throw new Error(`${r.FailedRecordCount} records failed`);
    r.Records!.forEach((rec, j) => out.push({ data: Buffer.from(chunk[j]!.body), shardId: rec.ShardId!, sequenceNumber: rec.SequenceNumber! }));
  }
  return out;
}

/** Late by the rule, from what Kinesis acknowledged: older than the newest earlier record of its shard minus the delay. */
function reference(sent: readonly Sent[]): Set<string> {
  const late = new Set<string>();
  const byShard = new Map<string, Sent[]>();
  for (const s of sent) byShard.set(s.shardId, [...(byShard.get(s.shardId) ?? []), s]);
  for (const records of byShard.values()) {
    records.sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1));
    let newest = -Infinity;
    for (const r of records) {
      const t = Date.parse((JSON.parse(Buffer.from(r.data).toString()) as { timestamp: string }).timestamp);
      if (t < newest - DELAY_MS) late.add(`${r.shardId}#${r.sequenceNumber}`);
      else newest = Math.max(newest, t);
    }
  }
  return late;
}

/** One run on a fresh stream: a and b first, SIGKILLs at random moments, c while the second worker runs; the late set. */
async function run(k: number): Promise<{ late: Set<string>; reference: Set<string>; kills: number }> {
  const id = uniqueName(`ls${k}`);
  const stream = `ks-${id}`;
  await ensureStream(env.clients.kinesis, stream, 3);
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-ls-')), 'pipeline.json');
  writeFileSync(file, JSON.stringify(pipeline(stream, id)));
  const { ab, c } = data();
  const sent = await put(stream, ab);
  const handled = async () => (await countItems(env.clients.dynamodb, `rows-${id}`).catch(() => 0)) + (await countItems(env.clients.dynamodb, `dead-${id}`).catch(() => 0));
  const rnd = seededRandom(1000 + k);
  let kills = 0;
  for (let i = 0; i < 2; i++) {
    const p = startSluice(env.stack, file, { workerId: 'w1', args: ['--no-ui'] });
    const before = await handled();
    if (i === 0) await waitFor(async () => (await handled()) > before, 60_000, `progress; it said: ${p.out()}`);
    else await waitFor(() => p.out().includes('running '), 30_000, `the worker started; it said: ${p.out()}`);
    if (i === 1) {
      // c has been silent for longer than the idle timeout while a and b moved the watermark on;
      // now it speaks, 2 minutes behind them, while this worker runs.
      await new Promise((r) => setTimeout(r, 1500));
      const mid = await handled();
      sent.push(...(await put(stream, c)));
      await waitFor(async () => (await handled()) >= mid + 20, 60_000, `c is read; it said: ${p.out()}`);
    }
    await new Promise((r) => setTimeout(r, Math.floor(rnd() * 1500)));
    p.child.kill('SIGKILL');
    await p.exited;
    kills++;
  }
  const last = startSluice(env.stack, file, { workerId: 'w1', args: ['--no-ui'] });
  await waitFor(async () => (await handled()) >= sent.length, 60_000, `every record handled; it said: ${last.out()}`);
  // Stopped cleanly once it runs (a SIGTERM before its handler is installed would kill it).
  await waitFor(() => last.out().includes('running '), 30_000, `the last worker started; it said: ${last.out()}`);
  last.child.kill('SIGTERM');
  const [code] = await last.exited;
  expect(code, last.out()).toBe(0);
  expect(new Set(sent.map((s) => s.shardId)).size).toBe(3);
  const dead = await scanAll(env.clients.dynamodb, `dead-${id}`);
  const late = new Set(dead.filter((d) => d.stage === 'watermark').map((d) => `${String(d.shard_id)}#${String(d.sequence_number)}`));
  // Sequence numbers differ per stream: name a record by its shard and its place in the shard.
  const place = new Map<string, string>();
  for (const shard of new Set(sent.map((s) => s.shardId))) {
    const seqs = sent.filter((s) => s.shardId === shard).sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1));
    seqs.forEach((s, i) => place.set(`${shard}#${s.sequenceNumber}`, `${shard}#${i}`));
  }
  const named = (set: Set<string>) => new Set([...set].map((x) => place.get(x) ?? `unknown ${x}`));
  return { late: named(late), reference: named(reference(sent)), kills };
}

describe('which records are late is decided by the data alone (issue 19.5)', () => {
  it(`the same late set in ${RUNS} runs with random SIGKILLs, 3 shards, one silent and then behind the others`, async () => {
    const sets: string[][] = [];
    // Runs are independent (a stream, app and tables each): a few at a time, as the test mostly waits.
    let next = 0;
    const lane = async () => {
      while (next < RUNS) {
        const r = await run(next++);
        expect(r.kills).toBe(2);
        expect(r.reference.size).toBeGreaterThan(5);
        expect([...r.late].sort()).toEqual([...r.reference].sort());
        sets.push([...r.late].sort());
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    expect(sets).toHaveLength(RUNS);
    expect(sets.every((s) => JSON.stringify(s) === JSON.stringify(sets[0]))).toBe(true);
  }, 600_000);
});
