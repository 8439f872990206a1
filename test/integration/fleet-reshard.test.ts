import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListShardsCommand, MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream, waitForStream } from '../../src/aws/admin.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { putAll, scanAll, waitFor, type Sent } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const T0 = Date.parse('2015-06-05T12:00:00Z');
const TYPES = ['Green', 'Red', 'Yellow'];

function pipeline(app: string, stream: string, table: string): PipelineConfigInput {
  return {
    app,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 40, describeShardInterval: '500ms' },
    format: { kind: 'json', columns: [{ name: 'timestamp', type: 'timestamp' }, { name: 'type', type: 'string' }, { name: 'v', type: 'long' }] },
    batchInterval: 100,
    maxRecordsPerBatch: 40,
    catchUp: false, // one small batch per interval: the run lasts long enough for kills and lease moves to land mid-run
    stateInterval: 300,
    window: { kind: 'tumbling', length: '1m', eventTime: { column: 'timestamp', watermark: '20s', idleTimeout: '10m', outputMode: 'append' } },
    outputs: [
      {
        name: 'minutes',
        sql: "SELECT strftime(window_start, '%Y-%m-%dT%H:%M') AS bucket, type, count(*) AS events, sum(v) AS total FROM events GROUP BY window_start, type",
        sink: { kind: 'dynamodb', table, keyColumns: ['bucket', 'type'] },
      },
    ],
    deadLetter: { table: `${table}-dead` },
    lease: { failover: '2s' },
  };
}

/** Event times that move forward by 150 ms a record with up to 10 s of jitter: none is later than the 20 s delay. */
function events(from: number, n: number): Buffer[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const t = T0 + i * 150 - ((i * 7919) % 10_000);
    return Buffer.from(JSON.stringify({ timestamp: new Date(t).toISOString(), type: TYPES[i % 3], v: (i * 37) % 1000, i }));
  });
}

/** Records an hour ahead, on every open shard, so every real window closes. */
const flush = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ timestamp: new Date(T0 + 3_600_000).toISOString(), type: 'Flush', v: 0, i })));

/** The reference from what Kinesis acknowledged: (minute, type) -> [events, total], without the flush records. */
function reference(sent: readonly Sent[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const s of sent) {
    const e = JSON.parse(Buffer.from(s.data).toString()) as { timestamp: string; type: string; v: number };
    if (e.type === 'Flush') continue;
    const key = `${e.timestamp.slice(0, 16)}#${e.type}`;
    const [n, total] = out.get(key) ?? [0, 0];
    out.set(key, [n + 1, total + e.v]);
  }
  return out;
}

async function table(name: string): Promise<Map<string, [number, number]>> {
  const items = await scanAll(env.clients.dynamodb, name).catch(() => []);
  return new Map(items.filter((i) => i.events !== undefined && i.type !== 'Flush').map((i) => [`${String(i.bucket)}#${String(i.type)}`, [Number(i.events), Number(i.total)]]));
}

/**
 * Two workers read a 2-shard stream; mid-minute 12:01 a shard is split (or the two are merged), so
 * the parents' partials of the open minutes are in their workers' memory only. Every worker that
 * reads a parent to its end is SIGKILLed right after that SHARD_END checkpoint (crash point
 * `shard-end`) and restarted; then the rest of the events and the flush.
 */
async function reshard(kind: 'split' | 'merge'): Promise<void> {
  const id = uniqueName('fr');
  const stream = `ks-${id}`;
  const out = `minutes-${id}`;
  const app = `fr-${id}`;
  await ensureStream(env.clients.kinesis, stream, 2);
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-fr-')), 'pipeline.json');
  writeFileSync(file, JSON.stringify(pipeline(app, stream, out)));
  const workers = new Map<string, SluiceProcess>();
  const start = (w: string, crash: boolean) => workers.set(w, startSluice(env.stack, file, { workerId: w, args: ['--no-ui'], ...(crash ? { env: { SLUICE_CRASH_AT: 'shard-end' } } : {}) }));
  const said = () => [...workers].map(([w, p]) => `--- ${w}:\n${p.out().slice(-3000)}`).join('\n');
  const checkpoints = async () => new Map((await scanAll(env.clients.dynamodb, app).catch(() => [])).filter((i) => String(i.leaseKey).startsWith('shardId-')).map((i) => [String(i.leaseKey), i]));
  try {
    // Phase 1: 500 records (event times 12:00:00 to 12:01:15) on two shards, one worker each.
    const sent = await putAll(env.clients.kinesis, stream, events(0, 500));
    start('w0', true);
    start('w1', true);
    const last = new Map<string, string>();
    for (const s of sent) last.set(s.shardId, s.sequenceNumber);
    await waitFor(async () => {
      const cps = await checkpoints();
      return new Set([...cps.values()].map((c) => String(c.leaseOwner))).size === 2 && [...last].every(([shard, seq]) => cps.get(shard)?.checkpoint === seq);
    }, 90_000, `each worker holds a shard, both checkpointed at their last record; they said: ${said()}`);

    // The reshard, mid-minute 12:01.
    const shards = (await env.clients.kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    let parents: string[];
    if (kind === 'split') {
      const parent = shards.find((s) => s.ShardId === sent[0]!.shardId)!;
      const lo = BigInt(parent.HashKeyRange!.StartingHashKey!);
      const hi = BigInt(parent.HashKeyRange!.EndingHashKey!);
      await env.clients.kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent.ShardId!, NewStartingHashKey: ((lo + hi) / 2n).toString() }));
      parents = [parent.ShardId!];
    } else {
      await env.clients.kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: shards[0]!.ShardId!, AdjacentShardToMerge: shards[1]!.ShardId! }));
      parents = [shards[0]!.ShardId!, shards[1]!.ShardId!];
    }
    await waitForStream(env.clients.kinesis, stream);
    const before = await checkpoints();
    const owners = [...new Set(parents.map((p) => String(before.get(p)?.leaseOwner)))];
    // Each worker that read a parent to its end dies right after writing that SHARD_END checkpoint.
    for (const owner of owners) {
      const victim = workers.get(owner)!;
      const [, signal] = await victim.exited;
      expect(signal, `${owner} is killed at shard-end; it said: ${victim.out().slice(-3000)}`).toBe('SIGKILL');
      start(owner, false);
    }
    await waitFor(async () => {
      const cps = await checkpoints();
      return parents.every((p) => cps.get(p)?.checkpoint === 'SHARD_END');
    }, 60_000, `every parent read to its end; they said: ${said()}`);

    // Phase 2: the rest of 12:01 and two more minutes on the open shards, then the flush on each.
    sent.push(...(await putAll(env.clients.kinesis, stream, events(500, 700))));
    const f = await putAll(env.clients.kinesis, stream, flush(60));
    expect(new Set(f.map((s) => s.shardId)).size).toBe(kind === 'split' ? 3 : 1);
    const ref = reference(sent);
    expect(ref.size).toBeGreaterThanOrEqual(9);
    for (const p of parents) {
      expect(sent.filter((s) => s.shardId === p && JSON.parse(Buffer.from(s.data).toString()).timestamp.startsWith('2015-06-05T12:01')).length).toBeGreaterThan(0);
    }
    await waitFor(async () => JSON.stringify([...(await table(out))].sort()) === JSON.stringify([...ref].sort()), 90_000, 'the table equals the reference').catch(() => undefined);
    await waitFor(() => [...workers.values()].every((p) => p.out().includes('running ')), 60_000, `every worker runs; they said: ${said()}`);
    expect(new Map([...(await table(out))].sort())).toEqual(new Map([...ref].sort()));
  } finally {
    for (const p of workers.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all([...workers.values()].map((p) => p.exited));
  }
}

describe('merged event-time aggregates across a reshard (issue 18)', () => {
  it('a shard split mid-window, the worker that read the parent to its end SIGKILLed right after its SHARD_END checkpoint and restarted: the table equals the reference', async () => {
    await reshard('split');
  }, 240_000);

  it('two shards merged mid-window, each worker SIGKILLed right after its parent\'s SHARD_END checkpoint and restarted: the table equals the reference', async () => {
    await reshard('merge');
  }, 240_000);
});
