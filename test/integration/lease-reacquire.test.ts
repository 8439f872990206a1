import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { putAll, scanAll, waitFor, type Sent } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';

const env = useLocalStack();

/** Every output row, in the order written: a Kinesis sink appends, so a record processed twice shows twice. */
async function readOutput(stream: string): Promise<{ id: string }[]> {
  const shards = (await env.clients.kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const rows: { id: string }[] = [];
  for (const s of shards) {
    let it = (await env.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (;;) {
      const r = await env.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
      for (const rec of r.Records ?? []) rows.push(JSON.parse(Buffer.from(rec.Data!).toString('utf8')) as { id: string });
      it = r.NextShardIterator;
      if (!it || (r.Records ?? []).length === 0) break;
    }
  }
  return rows;
}

async function leaseItems(app: string): Promise<{ shard: string; owner: unknown; checkpoint: unknown }[]> {
  const items = await scanAll(env.clients.dynamodb, app).catch(() => []);
  return items.filter((i) => String(i.leaseKey).startsWith('shardId-')).map((i) => ({ shard: String(i.leaseKey), owner: i.leaseOwner, checkpoint: i.checkpoint }));
}

/** Whether every shard's stored checkpoint is at the last record sent to it. */
async function checkpointedAll(app: string, sent: readonly Sent[]): Promise<boolean> {
  const last = new Map<string, string>();
  for (const s of sent) last.set(s.shardId, s.sequenceNumber);
  const items = await leaseItems(app);
  return [...last].every(([shard, seq]) => items.find((i) => i.shard === shard)?.checkpoint === seq);
}

async function stop(w: SluiceProcess): Promise<void> {
  w.child.kill('SIGTERM');
  const [code] = await w.exited;
  expect(code, w.out()).toBe(0);
}

describe('a lease lost and won back', () => {
  it('a worker frozen past failover, whose shards another worker read and checkpointed, reads them again from that checkpoint: no record is processed twice', async () => {
    const id = uniqueName('reacq');
    const [stream, out, app] = [`ks-${id}`, `out-${id}`, `app-${id}`];
    await ensureStream(env.clients.kinesis, stream, 2);
    await ensureStream(env.clients.kinesis, out, 1);
    const config: PipelineConfigInput = {
      app,
      source: { stream, startingPosition: 'trim_horizon', pollInterval: 50 },
      format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'v', type: 'int' }] },
      batchInterval: 200,
      outputs: [{ name: 'out', sql: 'SELECT id, _shard, _seq FROM events', sink: { kind: 'kinesis', stream: out } }],
      lease: { failover: '1500ms' },
    };
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-reacq-')), 'p.json');
    writeFileSync(file, JSON.stringify(config));
    const rows = (from: number, n: number) => Array.from({ length: n }, (_, k) => Buffer.from(`r${from + k},${from + k}`));

    const a = startSluice(env.stack, file, { workerId: 'wa' });
    let b: SluiceProcess | undefined;
    try {
      await waitFor(async () => (await leaseItems(app)).filter((i) => i.owner === 'wa').length === 2, 60_000, `A holds both shards; A said: ${a.out()}`);
      b = startSluice(env.stack, file, { workerId: 'wb' });
      await waitFor(async () => (await leaseItems(app)).filter((i) => i.owner === 'wb').length === 1, 60_000, `B steals one shard; B said: ${b.out()}`);

      // A freezes with a reader on its shard, positioned before the records to come.
      process.kill(a.child.pid!, 'SIGSTOP');
      await waitFor(async () => (await leaseItems(app)).filter((i) => i.owner === 'wb').length === 2, 30_000, `B takes over the frozen worker's shard; B said: ${b.out()}`);
      const first = await putAll(env.clients.kinesis, stream, rows(0, 400));
      expect(new Set(first.map((s) => s.shardId)).size).toBe(2);
      await waitFor(() => checkpointedAll(app, first), 60_000, `B processes and checkpoints all 400; B said: ${b.out()}`);
      // B stops cleanly: it checkpointed, then released its leases. A resumes and takes both back.
      await stop(b);
      b = undefined;
      process.kill(a.child.pid!, 'SIGCONT');
      await waitFor(async () => (await leaseItems(app)).filter((i) => i.owner === 'wa').length === 2, 30_000, `A takes both shards back; A said: ${a.out()}`);
      const second = await putAll(env.clients.kinesis, stream, rows(400, 100));
      await waitFor(() => checkpointedAll(app, second), 60_000, `A processes and checkpoints the next 100; A said: ${a.out()}`);
      await stop(a);
    } finally {
      if (a.child.exitCode === null && a.child.signalCode === null) {
        process.kill(a.child.pid!, 'SIGCONT');
        a.child.kill('SIGKILL');
      }
      b?.child.kill('SIGKILL');
    }

    const written = await readOutput(out);
    const times = new Map<string, number>();
    for (const r of written) times.set(r.id, (times.get(r.id) ?? 0) + 1);
    const twice = [...times].filter(([, n]) => n > 1);
    expect(twice.length, `records written more than once (first: ${JSON.stringify(twice.slice(0, 5))}); A said: ${a.out()}`).toBe(0);
    expect(times.size).toBe(500);
  }, 300_000);
});
