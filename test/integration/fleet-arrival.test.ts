import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { putAll, scanAll, waitFor, type Sent } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { killAHolder, startSluice, stopEach, type SluiceProcess } from '../helpers/sluice-process.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const WINDOW_MS = 2000;
const COLORS = ['Green', 'Red', 'Yellow'];

/**
 * Issue 18: a processing-time tumbling window and a GROUP BY into a dynamodb sink keyed by the
 * group, run by several workers of one app. It runs on arrival-time windows (each record's Kinesis
 * ApproximateArrivalTimestamp), so each item is the group's newest window, whole, whichever worker
 * read which shard. Each put call gets its own types (`b<n>-<color>`), so nearly every record is
 * in the window its item shows, and the check covers the whole run.
 */
function pipeline(app: string, stream: string, table: string, slideMs: number): PipelineConfigInput {
  return {
    app,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 40 },
    format: { kind: 'json', columns: [{ name: 'type', type: 'string' }, { name: 'v', type: 'long' }] },
    batchInterval: 100,
    // Records keep coming while workers are killed and restarted, so kills land mid-run whatever
    // the batch size; batches of up to 300 let a restarted worker work off its replay on a loaded
    // machine (at 30 a batch, 23 batches of merged writes took over the 60 s the check waits).
    maxRecordsPerBatch: 300,
    catchUp: false,
    stateInterval: 400,
    window: slideMs === WINDOW_MS ? { kind: 'tumbling', length: `${WINDOW_MS}ms` } : { kind: 'sliding', length: `${WINDOW_MS}ms`, slide: `${slideMs}ms` },
    outputs: [{ name: 'groups', sql: 'SELECT type, count(*) AS events, sum(v) AS total FROM events GROUP BY type', sink: { kind: 'dynamodb', table, keyColumns: ['type'] } }],
    deadLetter: { table: `${table}-dead` },
    lease: { failover: '2s' },
  };
}

/** Every record of the stream as Kinesis holds it: shard, sequence number, arrival time (ms), data. */
async function readBack(stream: string): Promise<{ shardId: string; seq: string; arrival: number; data: { type: string; v: number } }[]> {
  const shards = (await env.clients.kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const out: { shardId: string; seq: string; arrival: number; data: { type: string; v: number } }[] = [];
  for (const s of shards) {
    let it = (await env.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (let empty = 0; it && empty < 2; ) {
      const r = await env.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
      for (const rec of r.Records ?? []) {
        out.push({ shardId: s.ShardId!, seq: rec.SequenceNumber!, arrival: rec.ApproximateArrivalTimestamp!.getTime(), data: JSON.parse(Buffer.from(rec.Data!).toString()) as { type: string; v: number } });
      }
      empty = (r.Records ?? []).length === 0 ? empty + 1 : 0;
      it = r.NextShardIterator;
    }
  }
  return out;
}

/**
 * The reference, from the records Kinesis acknowledged as read back with their arrival times,
 * independent of the engine: per shard in order the arrival time never goes back (a step back
 * counts as the newest so far); each record is in the windows (of `WINDOW_MS`, one starting every
 * `slideMs`) its arrival time falls in; an item is its type's newest window: count and sum of that
 * type's records in it.
 */
function reference(records: Awaited<ReturnType<typeof readBack>>, slideMs: number): Map<string, [number, number]> {
  const byShard = new Map<string, typeof records>();
  for (const r of records) byShard.set(r.shardId, [...(byShard.get(r.shardId) ?? []), r]);
  const windows = new Map<string, Map<number, [number, number]>>();
  for (const list of byShard.values()) {
    list.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
    let newest = -Infinity;
    for (const r of list) {
      newest = Math.max(newest, r.arrival);
      const byWindow = windows.get(r.data.type) ?? new Map<number, [number, number]>();
      for (let w = Math.floor(newest / slideMs) * slideMs; w > newest - WINDOW_MS; w -= slideMs) {
        const [n, total] = byWindow.get(w) ?? [0, 0];
        byWindow.set(w, [n + 1, total + r.data.v]);
      }
      windows.set(r.data.type, byWindow);
    }
  }
  return new Map([...windows].map(([type, byWindow]) => [type, byWindow.get(Math.max(...byWindow.keys()))!]));
}

async function table(name: string): Promise<Map<string, [number, number]>> {
  const items = await scanAll(env.clients.dynamodb, name).catch(() => []);
  return new Map(items.filter((i) => i.events !== undefined).map((i) => [String(i.type), [Number(i.events), Number(i.total)]]));
}

async function fleet(opts: { workers: number; kills: number; slideMs?: number }): Promise<void> {
  const slideMs = opts.slideMs ?? WINDOW_MS;
  const id = uniqueName('fv');
  const stream = `ks-${id}`;
  const app = `fv-${id}`;
  const out = `groups-${id}`;
  await ensureStream(env.clients.kinesis, stream, 4);
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-fv-')), 'pipeline.json');
  writeFileSync(file, JSON.stringify(pipeline(app, stream, out, slideMs)));
  const owners = async () =>
    new Map((await scanAll(env.clients.dynamodb, app).catch(() => [])).filter((i) => String(i.leaseKey).startsWith('shardId-')).map((i) => [String(i.leaseKey), String(i.leaseOwner)]));
  const workers = new Map<string, SluiceProcess>();
  const start = (w: string) => workers.set(w, startSluice(env.stack, file, { workerId: w, args: ['--no-ui'] }));
  const said = () => [...workers].map(([w, p]) => `--- ${w}:\n${p.out().slice(-3000)}`).join('\n');
  let batch = 0;
  const sent: Sent[] = [];
  /** One put call of 30 records, with its own types. */
  const put = async () => {
    const n = batch++;
    sent.push(...(await putAll(env.clients.kinesis, stream, Array.from({ length: 30 }, (_, i) => Buffer.from(JSON.stringify({ type: `b${n}-${COLORS[i % 3]}`, v: (n * 31 + i * 7) % 100 }))))));
  };
  /** Puts for `ms`, one call every 150 ms. */
  const putFor = async (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await put();
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  try {
    for (let w = 0; w < opts.workers; w++) start(`w${w}`);
    await waitFor(async () => new Set((await owners()).values()).size >= Math.min(opts.workers, 2) && (await owners()).size === 4, 90_000, `leases spread over the workers; they said: ${said()}`);
    await waitFor(() => [...workers.values()].every((p) => p.out().includes('info: output groups (sink dynamodb): the processing-time window runs on arrival-time windows')), 30_000, `each worker says the output runs on arrival time; they said: ${said()}`);
    await putFor(2000);
    const moves: string[] = [];
    for (let k = 0; k < opts.kills; k++) {
      // SIGKILL a worker holding leases while records keep coming, mid-window; restart it once they moved.
      const { victim, held } = await killAHolder(workers, await owners(), moves);
      if (opts.workers === 1) {
        // Alone: restarted at once, it takes its own leases back once they expire.
        start(victim);
        await putFor(1500);
      } else {
        const moved = waitFor(async () => [...(await owners())].every(([s, o]) => !held.includes(s) || o !== victim), 30_000, `the leases of ${victim} move; they said: ${said()}`);
        await putFor(1500);
        await moved;
        start(victim);
      }
      moves.push(...held.map((s) => `${victim}:${s}`));
      await putFor(1500);
    }
    await putFor(1500);
    const records = await readBack(stream);
    expect(records.length).toBe(sent.length);
    const ref = reference(records, slideMs);
    expect(ref.size).toBe(3 * batch);
    await waitFor(async () => JSON.stringify([...(await table(out))].sort()) === JSON.stringify([...ref].sort()), 60_000, 'the table equals the reference').catch(() => undefined);
    await stopEach(workers, said);
    if (opts.kills > 0) expect(moves.length).toBeGreaterThanOrEqual(opts.kills);
    expect(new Map([...(await table(out))].sort())).toEqual(new Map([...ref].sort()));
  } finally {
    for (const p of workers.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
}

describe.concurrent('a processing-time GROUP BY into dynamodb runs on arrival-time windows: the same table with 1, 2 and 4 workers and SIGKILLs (issue 18)', () => {
  it('1 worker', async () => {
    await fleet({ workers: 1, kills: 0 });
  }, 240_000);

  it('1 worker, SIGKILLed mid-window and restarted', async () => {
    await fleet({ workers: 1, kills: 1 });
  }, 240_000);

  it('2 workers, 1 SIGKILLed mid-window and restarted', async () => {
    await fleet({ workers: 2, kills: 1 });
  }, 240_000);

  it('4 workers, 2 SIGKILLed mid-window and restarted (leases move twice)', async () => {
    await fleet({ workers: 4, kills: 2 });
  }, 240_000);

  it('2 workers, 1 SIGKILLed, a sliding window (2 s, every 500 ms): each item is its group\'s newest window', async () => {
    await fleet({ workers: 2, kills: 1, slideMs: 500 });
  }, 240_000);
});
