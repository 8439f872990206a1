import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import type { PipelineConfig } from '../../src/pipeline/config.js';
import { loadPipelineFile } from '../../src/pipeline/validate.js';
import { parseDuration } from '../../src/engine/window.js';
import { seededRandom } from '../../src/random.js';
import { countItems, putAll, scanAll, waitFor, type Sent } from '../helpers/aws.js';
import { judge, minuteOf } from '../helpers/event-time-reference.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice } from '../helpers/sluice-process.js';

const env = useLocalStack();
const N = 1500;
const example = loadPipelineFile(join(import.meta.dirname, '..', '..', 'examples', 'snowplow-counts.yaml'));
if (example.window.kind !== 'tumbling' || !example.window.eventTime) throw new Error('examples/snowplow-counts.yaml no longer has an event-time window');
const DELAY_MS = parseDuration(example.window.eventTime.watermark, 'watermark');

/**
 * Seed 004 on event time: examples/snowplow-counts.yaml itself, with unique names, small batches
 * and frequent snapshots (so kills land between them), and its console output written to a
 * table so the test can read what each window emitted.
 */
function pipeline(stream: string, id: string): PipelineConfig {
  const [counts, closed] = example.outputs;
  if (counts?.sink.kind !== 'dynamodb-counter' || !closed) throw new Error('examples/snowplow-counts.yaml changed its outputs');
  return {
    ...example,
    app: `et-${id}`,
    source: { ...example.source, stream, createShards: undefined, pollInterval: 50, recordsPerPoll: 50 },
    batchInterval: 100,
    maxRecordsPerBatch: 40,
    catchUp: false, // one small batch per interval: the run lasts long enough for kills and lease moves to land mid-run
    stateInterval: 600,
    outputs: [
      { ...counts, sink: { ...counts.sink, table: `counts-${id}` } },
      { ...closed, sink: { kind: 'dynamodb', table: `closed-${id}`, keyColumns: ['window_start', 'type'], keyAttribute: 'record_id', dedupe: true, dedupeRetentionMs: 600_000, concurrency: 8, createTable: true } },
    ],
    deadLetter: { table: `dead-${id}` },
    lease: { failover: '2s' },
  };
}

/** Events whose times drift forward with jitter; about one in eight is 25-60 s behind: later than the 20 s delay allows. */
function events(n: number): Buffer[] {
  const rnd = seededRandom(11);
  let clock = Date.parse('2015-06-05T12:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    clock += Math.floor(rnd() * 400);
    const behind = rnd() < 0.125 ? 25_000 + Math.floor(rnd() * 35_000) : Math.floor(rnd() * 15_000);
    const type = ['Green', 'Red', 'Yellow'][Math.floor(rnd() * 3)]!;
    return Buffer.from(JSON.stringify({ timestamp: new Date(clock - behind).toISOString(), type, id: `e${i}` }));
  });
}

/**
 * The reference, computed from what Kinesis acknowledged (shard and sequence number of each
 * record), independently of the engine: in each shard's order, a record is late when it is older
 * than the newest earlier record of its shard minus the delay. Counts per minute and type of the
 * on-time records; the windows that close are those ending at or before the smallest shard
 * watermark.
 */
function reference(sent: readonly Sent[]) {
  const { records, watermarks } = judge<{ timestamp: string; type: string }>(sent, DELAY_MS);
  const counts = new Map<string, number>();
  let late = 0;
  for (const { event, time, late: isLate } of records) {
    if (isLate) {
      late++;
      continue;
    }
    const key = `${minuteOf(time)}#${event.type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const watermark = Math.min(...watermarks.values());
  const closed = new Map([...counts].filter(([k]) => Date.parse(`${k.slice(0, 16)}:00Z`) + 60_000 <= watermark));
  return { counts, late, closed };
}

const start = (file: string, workerId = 'w1') => startSluice(env.stack, file, { workerId });

describe('event-time windows on the embedded stack (examples/snowplow-counts.yaml: seed 004 with a watermark)', () => {
  it('counts per minute of event time equal an independent reference after SIGKILLs at random points; late records are dead letters', async () => {
    const id = uniqueName('et');
    const stream = `ks-${id}`;
    await ensureStream(env.clients.kinesis, stream, 2);
    const sent = await putAll(env.clients.kinesis, stream, events(N));
    const ref = reference(sent);
    expect(ref.late).toBeGreaterThan(50); // the input has late records
    expect(ref.closed.size).toBeGreaterThan(10);
    const onTime = N - ref.late;

    const dir = mkdtempSync(join(tmpdir(), 'sluice-et-'));
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(pipeline(stream, id)));
    const counted = async () => {
      const items = await scanAll(env.clients.dynamodb, `counts-${id}`).catch(() => []);
      return items.reduce((s, i) => s + Number(i.count), 0);
    };

    // SIGKILL at random points while the stream is being read: each run first makes progress
    // (so snapshots with open windows exist), then dies at a random moment.
    const rnd = seededRandom(5);
    let kills = 0;
    for (let k = 0; k < 5; k++) {
      const run = start(file);
      const before = await counted();
      await waitFor(async () => (await counted()) >= Math.min(onTime, before + 150), 60_000, `progress; the worker said: ${run.out()}`);
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 700)));
      if ((await counted()) >= onTime) {
        run.child.kill('SIGTERM');
        await run.exited;
        break;
      }
      run.child.kill('SIGKILL');
      const [, signal] = await run.exited;
      expect(signal, run.out()).toBe('SIGKILL');
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(3);

    const last = start(file);
    // Every record accounted for (counted or a dead letter) and every closed window written; on a
    // timeout the comparisons below show what differs.
    await waitFor(
      async () =>
        (await counted()) + (await countItems(env.clients.dynamodb, `dead-${id}`).catch(() => 0)) >= N &&
        (await countItems(env.clients.dynamodb, `closed-${id}`).catch(() => 0)) >= ref.closed.size,
      60_000,
      'every record counted or dead-lettered',
    ).catch(() => undefined);
    await waitFor(() => last.out().includes('running '), 30_000, `the last worker started; it said: ${last.out()}`);
    await new Promise((r) => setTimeout(r, 500));
    last.child.kill('SIGTERM');
    const [code] = await last.exited;
    expect(code, last.out()).toBe(0);

    const counts = new Map((await scanAll(env.clients.dynamodb, `counts-${id}`)).map((i) => [String(i.bucket_key), Number(i.count)]));
    expect(counts).toEqual(ref.counts);
    const closed = new Map((await scanAll(env.clients.dynamodb, `closed-${id}`)).map((i) => [`${new Date(String(i.window_start)).toISOString().slice(0, 16)}#${String(i.type)}`, Number(i.events)]));
    expect(closed).toEqual(ref.closed);
    const dead = await scanAll(env.clients.dynamodb, `dead-${id}`);
    expect(dead.length).toBe(ref.late);
    expect(dead.every((d) => String(d.reason).startsWith('late:'))).toBe(true);
  }, 300_000);

  it('two worker processes, one SIGKILLed mid-stream: its shard and that shard\'s watermark move to the other, and the counts still equal the reference', async () => {
    const id = uniqueName('et2');
    const stream = `ks-${id}`;
    await ensureStream(env.clients.kinesis, stream, 2);
    const all = events(N);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-et2-'));
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(pipeline(stream, id)));
    const counted = async () => (await scanAll(env.clients.dynamodb, `counts-${id}`).catch(() => [])).reduce((s, i) => s + Number(i.count), 0);
    const dead = async () => countItems(env.clients.dynamodb, `dead-${id}`).catch(() => 0);

    const sent = await putAll(env.clients.kinesis, stream, all.slice(0, 700));
    const a = start(file, 'wa');
    await waitFor(async () => (await counted()) >= 300, 60_000, `worker A counts; it said: ${a.out()}`);
    // Worker B joins and takes one of A's two shards (with its state, as of its checkpoint).
    const b = start(file, 'wb');
    const owners = async () => (await scanAll(env.clients.dynamodb, `et-${id}`)).filter((i) => String(i.leaseKey).startsWith('shardId-')).map((i) => String(i.leaseOwner));
    await waitFor(async () => (await owners()).filter((o) => o === 'wb').length === 1, 30_000, `worker B takes a shard; it said: ${b.out()}`);
    sent.push(...(await putAll(env.clients.kinesis, stream, all.slice(700))));
    const before = await counted();
    await waitFor(async () => (await counted()) >= before + 100, 60_000, 'progress after the second half');
    // A dies without a word; after the failover time B takes its shard, loading that shard's
    // newest event time and partials as of A's last checkpoint, and replays what came after it.
    a.child.kill('SIGKILL');
    await a.exited;
    await waitFor(async () => (await owners()).every((o) => o === 'wb'), 30_000, `worker B takes over A's shard; it said: ${b.out()}`);
    await waitFor(async () => (await counted()) + (await dead()) >= N, 90_000, 'every record counted or dead-lettered').catch(() => undefined);
    b.child.kill('SIGTERM');
    const [code] = await b.exited;
    expect(code, b.out()).toBe(0);

    const ref = reference(sent);
    const counts = new Map((await scanAll(env.clients.dynamodb, `counts-${id}`)).map((i) => [String(i.bucket_key), Number(i.count)]));
    expect(counts).toEqual(ref.counts);
    expect(await dead()).toBe(ref.late);
  }, 300_000);
});
