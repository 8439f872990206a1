import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { CRASH_POINTS, CRASH_POINT_APPLIES } from '../../src/checkpoint/crash-points.js';
import { DynamoCheckpointStore } from '../../src/checkpoint/dynamodb-store.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { countItems, putAll, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice } from '../helpers/sluice-process.js';

const env = useLocalStack();
const N = 900;
const LANES = 3;

/**
 * A keyed RCF detector pipeline: state per (shard, key) that changes with every record,
 * checkpointed with each shard's checkpoint. With `whole`, also an online learner with one model
 * for the stream (a whole-state holder, in the application's snapshot head).
 */
function pipeline(stream: string, id: string, whole = false): PipelineConfigInput {
  return {
    app: `snap-${id}`,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 30 },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'x', type: 'double' }] },
    batchInterval: 150,
    maxRecordsPerBatch: 30,
    // 30 records per 150 ms: the run lasts seconds, so processes are killed between snapshots.
    catchUp: false,
    stateInterval: 1500,
    operators: [
      { kind: 'anomaly', detector: 'rcf', params: { numberOfTrees: 8, sampleSize: 32 }, value: 'currentTemp', key: 'id' },
      ...(whole ? [{ kind: 'linreg-sgd', featureCols: ['x'], labelCol: 'currentTemp', numIterations: 5 }] : []),
    ],
    outputs: [{ name: 'scores', sql: 'SELECT id, currentTemp, anomaly_score, _shard, _seq FROM events', sink: { kind: 'dynamodb', table: `scores-${id}` } }],
    lease: { failover: '2s' },
  };
}

async function runToEnd(file: string, table: string, crashAt?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const { child, out, exited } = startSluice(env.stack, file, crashAt ? { env: { SLUICE_CRASH_AT: crashAt } } : {});
  if (crashAt) {
    const [code, signal] = await exited;
    return { code, signal, out: out() };
  }
  await waitFor(async () => (await countItems(env.clients.dynamodb, table)) >= N, 90_000, `every record scored; the worker said: ${out()}`);
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  return { code, signal, out: out() };
}

describe('snapshots: operator state exactly consistent with every checkpoint', () => {
  // Four sensors, each with a slow wave and a few spikes, on two shards (each sensor on both): the
  // detectors' scores depend on all that the model of their (shard, sensor) learned.
  const lines = Array.from({ length: N }, (_, i) => `s${i % 4},${Math.round(100 + 40 * Math.sin(i / 25) + (i % 97 === 0 ? 300 : 0))},${(i % 13) / 13}`);
  const scores = async (table: string) => new Map((await scanAll(env.clients.dynamodb, table)).map((r) => [String(r._seq), r.anomaly_score as number]));

  for (const whole of [false, true]) {
    // Every point of the protocol this pipeline's holders reach (the head only with a whole-state holder).
    const points = CRASH_POINTS.filter((p) => whole || CRASH_POINT_APPLIES[p] !== 'whole');
    it(`${whole ? 'with a whole-state learner beside the keyed detector' : 'keyed detector state per shard'}: a process killed at each of ${points.join(', ')} restarts from a consistent snapshot and scores bit-identically to an uninterrupted run`, async () => {
      const stream = `ks-${uniqueName('snap')}`;
      await ensureStream(env.clients.kinesis, stream, 2);
      const sent = await putAll(env.clients.kinesis, stream, lines.map((l) => Buffer.from(l)));
      expect(new Set(sent.map((r) => r.shardId)).size, 'records on both shards').toBe(2);
      const dir = mkdtempSync(join(tmpdir(), 'sluice-snap-'));

      const refId = uniqueName('ref');
      const refFile = join(dir, 'ref.json');
      writeFileSync(refFile, JSON.stringify(pipeline(stream, refId, whole)));
      await runToEnd(refFile, `scores-${refId}`);
      const reference = await scores(`scores-${refId}`);
      expect(reference.size).toBe(N);

      // Each point is independent (its own app, checkpoint and output tables): a few at a time, as the test mostly waits.
      const pending = [...points];
      const lane = async () => {
        for (let point = pending.shift(); point !== undefined; point = pending.shift()) await crashAndResume(point);
      };
      await Promise.all(Array.from({ length: LANES }, lane));

      async function crashAndResume(point: string): Promise<void> {
        const id = uniqueName(point.replace('snapshot-', ''));
        const file = join(dir, `${id}.json`);
        writeFileSync(file, JSON.stringify(pipeline(stream, id, whole)));
        // Killed at the second snapshot's step, so a first snapshot exists before it.
        const crashed = await runToEnd(file, `scores-${id}`, `${point}@2`);
        expect(crashed.signal, `${point}: ${crashed.out}`).toBe('SIGKILL');
        const before = await countItems(env.clients.dynamodb, `scores-${id}`);
        expect(before, point).toBeLessThan(N);
        const resumed = await runToEnd(file, `scores-${id}`);
        expect(resumed.out, point).not.toMatch(/TornState|Error/);
        const got = await scores(`scores-${id}`);
        expect(got.size, point).toBe(N);
        const differing = [...reference].filter(([seq, s]) => got.get(seq) !== s);
        expect(differing.length, `${point}: scores differing from the uninterrupted run, first ${JSON.stringify(differing.slice(0, 3))}`).toBe(0);
        const store = new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: `snap-${id}`, streamName: stream, workerId: 'test' });
        if (whole) {
          // The learner's one model learned every record exactly once across the crash.
          const snap = await store.loadSnapshot();
          expect((snap?.state.get('linreg-sgd-1') as { rowsTrained: number } | undefined)?.rowsTrained, point).toBe(N);
        }
        // Every shard's keyed state is there, as of its checkpoint (the later of its item and the
        // head), and no chunk is left that neither names (a head ahead of an item keeps the item's too).
        const items = await scanAll(env.clients.dynamodb, `snap-${id}`);
        const named = new Set(
          items
            .filter((i) => typeof i.stateBuckets === 'string')
            .flatMap((i) => Object.entries(JSON.parse(i.stateBuckets as string) as Record<string, { v: string }>).map(([b, r]) => `${String(i.leaseKey)}#${b}#${r.v}`)),
        );
        for (const shardId of new Set(sent.map((r) => r.shardId))) {
          const st = await store.loadShardState(shardId);
          expect(st?.state.get('operators[0] anomaly')?.map(([k]) => k).sort(), `${point}: ${shardId}`).toEqual(['s0', 's1', 's2', 's3']);
          for (const ref of st!.refs) named.add(`${shardId}#${ref}`);
        }
        const chunks = items.filter((i) => typeof i.shard === 'string');
        expect(chunks.filter((c) => !named.has(`${String(c.shard)}#${String(c.bucket)}#${String(c.version)}`)).map((c) => c.leaseKey), `${point}: chunks no commit point names (${[...named].join(', ')}; head ${JSON.stringify(items.find((i) => i.leaseKey === 'snapshot')?.shards)})`).toEqual([]);
      }
    }, 600_000);
  }

  it('a process killed with SIGKILL at random points 10 times scores bit-identically to an uninterrupted run', async () => {
    const stream = `ks-${uniqueName('rand')}`;
    await ensureStream(env.clients.kinesis, stream, 2);
    await putAll(env.clients.kinesis, stream, lines.map((l) => Buffer.from(l)));
    const dir = mkdtempSync(join(tmpdir(), 'sluice-rand-'));
    const refId = uniqueName('ref');
    const refFile = join(dir, 'ref.json');
    writeFileSync(refFile, JSON.stringify(pipeline(stream, refId)));
    await runToEnd(refFile, `scores-${refId}`);
    const reference = await scores(`scores-${refId}`);
    expect(reference.size).toBe(N);

    const id = uniqueName('rand');
    const table = `scores-${id}`;
    const file = join(dir, `${id}.json`);
    // Snapshots every 300 ms, so kills land between them and after them.
    writeFileSync(file, JSON.stringify({ ...pipeline(stream, id), stateInterval: 300 }));
    const scored = () => countItems(env.clients.dynamodb, table).catch(() => 0);
    let seed = 17;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let kills = 0;
    while (kills < 10) {
      const { child, exited } = startSluice(env.stack, file);
      const before = await scored();
      // Some progress (or the end), then a random moment: mid-batch, mid-snapshot, or idle.
      await waitFor(async () => (await scored()) >= Math.min(N, before + 40), 60_000, 'progress before a kill');
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 400)));
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');
      kills++;
      if ((await scored()) >= N) break;
    }
    expect(kills, 'kills before every record was scored').toBeGreaterThanOrEqual(8);
    await runToEnd(file, table);
    const got = await scores(table);
    expect(got.size).toBe(N);
    const differing = [...reference].filter(([seq, v]) => got.get(seq) !== v);
    expect(differing.length, `scores differing from the uninterrupted run after ${kills} SIGKILLs, first ${JSON.stringify(differing.slice(0, 3))}`).toBe(0);
  }, 600_000);
});
