import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { putAll, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';

const env = useLocalStack();
const PHASE = 500;

/** A keyed RCF detector: each (shard, sensor) model's scores depend on every record it learned. */
function pipeline(app: string, stream: string, table: string): PipelineConfigInput {
  return {
    app,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 40 },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }] },
    batchInterval: 150,
    maxRecordsPerBatch: 40,
    catchUp: false, // one small batch per interval: the run lasts long enough for kills and lease moves to land mid-run
    // No snapshot on the interval during the run: the state B loads is the snapshot A commits when
    // it hands the lease over (a move for balance), as at a clean stop.
    stateInterval: '1m',
    operators: [{ kind: 'anomaly', detector: 'rcf', params: { numberOfTrees: 8, sampleSize: 32 }, value: 'currentTemp', key: 'id' }],
    outputs: [{ name: 'scores', sql: 'SELECT id, currentTemp, anomaly_score, _shard, _seq FROM events', sink: { kind: 'dynamodb', table } }],
    lease: { failover: '1500ms' },
  };
}

const startWorker = (file: string, workerId: string): SluiceProcess => startSluice(env.stack, file, { workerId });

async function stop(w: SluiceProcess): Promise<void> {
  w.child.kill('SIGTERM');
  const [code] = await w.exited;
  expect(code, w.out()).toBe(0);
}

const lines = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k).map((i) => Buffer.from(`s${i % 3},${Math.round(100 + 40 * Math.sin(i / 20) + (i % 89 === 0 ? 250 : 0))}`));
/** Scores by sequence number (none while the worker has not created its table yet). */
async function scoresOf(table: string): Promise<Map<string, { score: number; shard: string }>> {
  const items = await scanAll(env.clients.dynamodb, table).catch((error: unknown) => {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return [];
    throw error;
  });
  return new Map(items.map((r) => [String(r._seq), { score: r.anomaly_score as number, shard: String(r._shard) }]));
}

describe('partitioned state moves with the lease', () => {
  it('a shard moved to a second worker process for balance carries its models (its owner snapshots them as it hands the lease over): the new owner replays nothing and scores exactly as one uninterrupted worker', async () => {
    const stream = `ks-${uniqueName('move')}`;
    await ensureStream(env.clients.kinesis, stream, 2);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-move-'));
    const app = `move-${uniqueName('app')}`;
    const [tableA, tableB] = [`scores-${uniqueName('a')}`, `scores-${uniqueName('b')}`];
    // Both workers are one application (one checkpoint table); each writes its own output table, so we know who scored what.
    const fileA = join(dir, 'a.json');
    const fileB = join(dir, 'b.json');
    writeFileSync(fileA, JSON.stringify(pipeline(app, stream, tableA)));
    writeFileSync(fileB, JSON.stringify(pipeline(app, stream, tableB)));

    // Phase 1: worker A alone holds both shards and learns every record.
    const first = await putAll(env.clients.kinesis, stream, lines(0, PHASE));
    expect(new Set(first.map((r) => r.shardId)).size).toBe(2);
    const a = startWorker(fileA, 'wa');
    await waitFor(async () => (await scoresOf(tableA)).size >= PHASE, 90_000, `worker A scores phase 1; it said: ${a.out()}`);

    // Worker B joins and steals one of A's two leases; it must load that shard's models as of its checkpoint.
    const b = startWorker(fileB, 'wb');
    let moved: string | undefined;
    await waitFor(
      async () => {
        const owners = (await scanAll(env.clients.dynamodb, app).catch(() => [])).filter((i) => String(i.leaseKey).startsWith('shardId-'));
        moved = owners.find((i) => i.leaseOwner === 'wb')?.leaseKey as string | undefined;
        return moved !== undefined && owners.filter((i) => i.leaseOwner === 'wa').length === 1;
      },
      30_000,
      `worker B takes one shard; B said: ${b.out()}`,
    );
    // Phase 2: new records on both shards; the moved shard's are B's to score.
    await new Promise((r) => setTimeout(r, 1500)); // A's lease round has seen the move and stopped reading it
    const second = await putAll(env.clients.kinesis, stream, lines(PHASE, PHASE));
    const movedSeqs = second.filter((r) => r.shardId === moved).map((r) => r.sequenceNumber);
    const keptSeqs = second.filter((r) => r.shardId !== moved).map((r) => r.sequenceNumber);
    expect(movedSeqs.length).toBeGreaterThan(100);
    await waitFor(
      async () => {
        const [sa, sb] = [await scoresOf(tableA), await scoresOf(tableB)];
        return movedSeqs.every((s) => sb.has(s)) && keptSeqs.every((s) => sa.has(s));
      },
      90_000,
      `phase 2 scored; A said: ${a.out()}\nB said: ${b.out()}`,
    );
    await stop(b);
    await stop(a);

    // The reference: one worker, never interrupted, over the same records.
    const refTable = `scores-${uniqueName('ref')}`;
    const refFile = join(dir, 'ref.json');
    writeFileSync(refFile, JSON.stringify(pipeline(`move-${uniqueName('ref')}`, stream, refTable)));
    const ref = startWorker(refFile, 'wref');
    await waitFor(async () => (await scoresOf(refTable)).size >= 2 * PHASE, 90_000, `reference run; it said: ${ref.out()}`);
    await stop(ref);
    const reference = await scoresOf(refTable);

    const [sa, sb] = [await scoresOf(tableA), await scoresOf(tableB)];
    // Everything B scored is on the shard it took, and equals the uninterrupted worker's scores.
    expect([...sb.values()].every((v) => v.shard === moved)).toBe(true);
    const differingB = [...sb].filter(([seq, v]) => reference.get(seq)?.score !== v.score);
    expect(differingB.length, `B's scores differing from one uninterrupted worker, first ${JSON.stringify(differingB.slice(0, 3))}`).toBe(0);
    // B scored records its models had not seen from it: the models came from A through the checkpoint table.
    expect(movedSeqs.every((s) => sb.has(s))).toBe(true);
    // And only those: A committed its state and positions before it handed the lease over, so B replayed nothing of phase 1.
    expect([...sb.keys()].filter((s) => !movedSeqs.includes(s)), 'records of phase 1 B scored again').toEqual([]);
    const differingA = [...sa].filter(([seq, v]) => reference.get(seq)?.score !== v.score);
    expect(differingA.length, `A's scores differing, first ${JSON.stringify(differingA.slice(0, 3))}`).toBe(0);
  }, 300_000);
});
