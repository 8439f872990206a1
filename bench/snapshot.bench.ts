/**
 * What a snapshot costs per batch against state size, and what state costs a restart.
 *
 * A pipeline with the keyed anomaly operator (the default detector, `ensemble`) over 4 shards,
 * with 1, 100 and 10,000 keys (spread over the shards, each key trained on TRAIN records), on the
 * embedded DynamoDB (dynalite), one snapshot every batch. The baseline, in the same run, is the
 * same pipeline without the operator: a checkpoint only.
 *
 *  - full snapshot: the first one after training, every key changed (each shard's 256 buckets);
 *  - commit per batch: batches of one record per shard (one key per shard changed, so one bucket
 *    per shard is rewritten: snapshots are incremental); the engine's own measure
 *    (`checkpoint.commit` durationMs: serializing the changed buckets one key at a time, writing
 *    their chunks, the conditional checkpoint per shard, deleting the replaced chunks), median of
 *    REPS batches, and the ratio to the checkpoint-only commit;
 *  - bytes and chunks of a snapshot (gzipped, in items under 400 KB);
 *  - restart to the first batch: a new query on the same table (`start()` plus its first batch,
 *    which loads each shard's state before the operator sees it), against the checkpoint-only restart.
 *
 * BENCH_QUICK=1 runs 3 batches per size and 1,000 keys instead of 10,000.
 */
import { createAwsClients } from '../src/aws/clients.js';
import { DynamoCheckpointStore } from '../src/checkpoint/dynamodb-store.js';
import type { ColumnBatch } from '../src/core/batch.js';
import type { Sink, SinkWriteResult } from '../src/core/sink.js';
import { createAnomalyOperator } from '../src/detect/operator.js';
import { StreamingQuery } from '../src/engine/streaming-query.js';
import { startLocalStack } from '../src/local/stack.js';
import type { PipelineConfigInput } from '../src/pipeline/config.js';
import { parsePipelineConfig } from '../src/pipeline/validate.js';
import { MemorySource } from '../src/sources/memory.js';
import { scanAll } from '../test/helpers/aws.js';

const QUICK = process.env.BENCH_QUICK === '1';
const REPS = QUICK ? 3 : 7;
const SIZES = QUICK ? [1, 100, 1_000] : [1, 100, 10_000];
const TRAIN = 20;
const SHARDS = ['shardId-0', 'shardId-1', 'shardId-2', 'shardId-3'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;

class Discard implements Sink {
  constructor(readonly name: string) {}
  async init(): Promise<void> {}
  async write(batch: ColumnBatch): Promise<SinkWriteResult> {
    return { written: batch.length, skipped: 0, deadLetters: [] };
  }
  async close(): Promise<void> {}
}

const stack = await startLocalStack();
const clients = createAwsClients(stack.connection);
let run = 0;

function config(app: string): PipelineConfigInput {
  return {
    app,
    source: { stream: 'bench' },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'v', type: 'double' }] },
    batchInterval: '1s',
    stateInterval: '1h',
    maxRecordsPerBatch: 1_000_000,
    outputs: [{ name: 'out', sql: "SELECT id FROM events WHERE id = 'nobody'", sink: { kind: 'console' } }],
  };
}

/** One pipeline (with or without state) on its own table; `pushed` counts records per shard so a restart skips them. */
class Bench {
  readonly app = `bench-snap-${process.pid}-${run++}`;
  source = new MemorySource(SHARDS);
  query!: StreamingQuery;
  readonly commits: number[] = [];
  private pushed = new Map(SHARDS.map((s) => [s, 0]));
  private t = T0;
  constructor(readonly keys: number) {}

  async start(): Promise<number> {
    const t0 = performance.now();
    const operators = this.keys > 0 ? [createAnomalyOperator({ value: 'v', key: 'id', maxKeys: 100_000 })] : [];
    const store = new DynamoCheckpointStore({ dynamodb: clients.dynamodb, appName: this.app, streamName: 'bench', workerId: 'bench', leased: false });
    this.query = new StreamingQuery({ config: parsePipelineConfig(config(this.app)), source: this.source, operators, sinks: { out: new Discard('out') }, checkpointStore: store, clock: 'manual', deadLetters: { write: async (l) => l.length } });
    this.query.events.on('checkpoint.commit', (e) => this.commits.push(e.durationMs));
    await this.query.start();
    return performance.now() - t0;
  }

  push(lines: [shard: string, line: string][]): void {
    for (const [s, line] of lines) {
      this.source.push(s, [Buffer.from(line)], this.t);
      this.pushed.set(s, this.pushed.get(s)! + 1);
    }
  }

  /** One batch an hour after the last (so it commits: stateInterval 1h). */
  async step(): Promise<number> {
    this.t += HOUR;
    const t0 = performance.now();
    await this.query.step(new Date(this.t));
    return performance.now() - t0;
  }

  /** A new query on the same table, as after a crash; returns the time to its first batch. */
  async restart(): Promise<number> {
    await this.query.stop();
    const old = this.pushed;
    this.source = new MemorySource(SHARDS);
    // The records before the checkpoint, which the new source skips as the stream would.
    for (const [s, n] of old) this.source.push(s, new Array<Uint8Array>(n).fill(Buffer.from('x,0')), this.t);
    const t0 = performance.now();
    await this.start();
    this.push(SHARDS.map((s, i) => [s, `k${i},1`]));
    await this.step();
    return performance.now() - t0;
  }
}

/** Records that touch key 0..keys-1 (key i on shard i % 4), `rounds` times each. */
function training(keys: number, round: number): [string, string][] {
  return Array.from({ length: keys }, (_, i) => [SHARDS[i % SHARDS.length]!, `k${i},${(10 * Math.sin((round * keys + i) / 7) + (i % 5)).toFixed(3)}`]);
}

const rows: string[] = [];
for (const keys of SIZES) {
  const stateful = new Bench(keys);
  const plain = new Bench(0);
  await stateful.start();
  await plain.start();
  const trainStart = performance.now();
  for (let r = 0; r < TRAIN; r++) stateful.push(training(keys, r));
  await stateful.step();
  const trainMs = performance.now() - trainStart;
  // The first snapshot: every key changed since the (empty) start.
  stateful.push(SHARDS.map((s, j) => [s, `k${j},0`]));
  await stateful.step();
  const full = stateful.commits.at(-1)!;
  stateful.commits.length = 0;
  const steps: number[] = [];
  const plainSteps: number[] = [];
  for (let i = 0; i < REPS; i++) {
    // A record on every shard, so every shard's state is written (each for a key it has).
    stateful.push(SHARDS.map((s, j) => [s, `k${j},${i + 1}`]));
    plain.push(SHARDS.map((s, j) => [s, `k${j},${i + 1}`]));
    steps.push(await stateful.step());
    plainSteps.push(await plain.step());
  }
  const items = await scanAll(clients.dynamodb, stateful.app);
  const chunks = items.filter((it) => typeof it.shard === 'string');
  const bytes = chunks.reduce((n, c) => n + (c.data as Uint8Array).byteLength, 0);
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  const commit = median(stateful.commits);
  const plainCommit = median(plain.commits);
  const restart = await stateful.restart();
  const plainRestart = await plain.restart();
  await stateful.query.stop();
  await plain.query.stop();
  rows.push(
    `| ${keys.toLocaleString('en')} | ${(bytes / 2 ** 20).toFixed(2)} MB in ${chunks.length} | ${full.toFixed(0)} | ${commit.toFixed(1)} | ${plainCommit.toFixed(1)} | ${(commit / plainCommit).toFixed(1)} | ${median(steps).toFixed(1)} | ${median(plainSteps).toFixed(1)} | ${restart.toFixed(0)} | ${plainRestart.toFixed(0)} | ${(restart / plainRestart).toFixed(1)} |`,
  );
  process.stdout.write(`${keys} keys: trained in ${(trainMs / 1000).toFixed(1)} s, heap ${heapMb.toFixed(0)} MB\n${rows.at(-1)}\n`);
}

process.stdout.write(
  `\nsnapshot per batch, ${SHARDS.length} shards, default detector, ${REPS} batches per size (median ms), baseline = same pipeline without state (checkpoint only)\n` +
    '| keys | state (gzipped) in chunks | full snapshot ms | commit per batch ms | checkpoint-only ms | ratio | batch ms | checkpoint-only batch ms | restart to 1st batch ms | checkpoint-only restart ms | ratio |\n|---|---|---|---|---|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`,
);
clients.close();
await stack.close();
