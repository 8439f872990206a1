/**
 * `case=load`: one worker on a 256-shard stream receiving 4,000 records/s in total (about 16 per
 * shard per second, spread by partition key). Lag is put-to-processed: from the wall time written
 * into each record just before its PutRecords call to the moment the batch holding it reaches the
 * sink; p50 and p99 over the measured seconds. CPU is split by process: the worker (this process),
 * the emulator (kinesalite), dynalite (leases, and each batch's checkpoint of every shard read) and
 * the producer (a child process), in ms per second of wall time.
 *
 * Once per `checkpointInterval` in BENCH_LOAD_CHECKPOINT (default `batch,10s`: the default, a
 * commit after every batch, i.e. 256 checkpoint writes a second, then one commit every 10 s), each
 * on a new stream of the same stack; the line says which (`checkpoint_interval=`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuMs, line } from '../measure.js';
import { CountingSink, pause, processCpuMs, startWorker, type ScaleCase, type ScaleContext } from './common.js';

const SHARDS = Number(process.env.BENCH_LOAD_SHARDS ?? 256);
const RATE = Number(process.env.BENCH_LOAD_RATE ?? 4000);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30);
const WARMUP_SECONDS = 5;
const INTERVALS = (process.env.BENCH_LOAD_CHECKPOINT ?? 'batch,10s').split(',').filter(Boolean);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export const load: ScaleCase = {
  name: 'load',
  async run(ctx) {
    for (const interval of INTERVALS) await once(ctx, interval);
  },
};

async function once(ctx: ScaleContext, interval: string): Promise<void> {
  let measuring = false;
  const lags: number[] = [];
  let rows = 0;
  const sink = new CountingSink('out', (batch) => {
    const now = Date.now();
    rows += batch.length;
    if (!measuring) return;
    const put = batch.fieldIndex('put_ms');
    for (let i = 0; i < batch.length; i++) lags.push(now - Number(batch.value(put, i)));
  });
  const { query, stream } = await startWorker(ctx, SHARDS, { startingPosition: 'latest' }, sink, interval === 'batch' ? {} : { checkpointInterval: interval });
  const emulatorPid = ctx.stack.emulatorPids().kinesis;
  const dynamoPid = ctx.stack.emulatorPids().dynamodb;
  const producer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./producer.ts', import.meta.url)), ctx.stack.kinesisEndpoint, stream, String(RATE), String(WARMUP_SECONDS + SECONDS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  producer.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => producer.once('exit', resolve));
  try {
    await pause(WARMUP_SECONDS * 1000);
    measuring = true;
    const c0 = cpuMs();
    const e0 = processCpuMs(emulatorPid) ?? 0;
    const d0 = processCpuMs(dynamoPid) ?? 0;
    const p0 = processCpuMs(producer.pid) ?? 0;
    const g0 = ctx.getRecordsCalls();
    const t0 = performance.now();
    await pause(SECONDS * 1000);
    const s = (performance.now() - t0) / 1000;
    const worker = (cpuMs() - c0) / s;
    const emulator = ((processCpuMs(emulatorPid) ?? 0) - e0) / s;
    const dynamo = ((processCpuMs(dynamoPid) ?? 0) - d0) / s;
    const producerCpu = ((processCpuMs(producer.pid) ?? 0) - p0) / s;
    const calls = (ctx.getRecordsCalls() - g0) / s;
    measuring = false;
    if ((await exited) !== 0) throw new Error(`the producer failed: ${out}`);
    if (lags.length === 0) throw new Error('no record reached the sink while measuring');
    line({
      case: 'load',
      shards: SHARDS,
      rate: RATE,
      checkpoint_interval: interval,
      lag_p50_ms: pct(lags, 50),
      lag_p99_ms: pct(lags, 99),
      lag_max_ms: pct(lags, 100),
      cpu_ms_per_s: worker.toFixed(0),
      emulator_cpu_ms_per_s: emulator.toFixed(0),
      dynamodb_cpu_ms_per_s: dynamo.toFixed(0),
      producer_cpu_ms_per_s: producerCpu.toFixed(0),
      getrecords_per_s: calls.toFixed(0),
      measured_records: lags.length,
      seconds: SECONDS,
      producer: out.trim().replace(/ /g, ','),
    });
    void rows;
  } finally {
    producer.kill();
    await query.stop();
  }
}
