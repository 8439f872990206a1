/**
 * `case=idle`: CPU of one worker reading a stream that receives nothing, per shard and second, for
 * 64 and 256 shards. Baseline in the same run: the old fixed polling (every shard read every
 * `pollInterval`, i.e. `idleTimeBetweenReads` equal to `pollInterval`). The emulator's CPU is
 * measured apart (it is another process, and on AWS it would not be ours).
 */
import { cpuMs, line } from '../measure.js';
import { CountingSink, pause, processCpuMs, startWorker, type ScaleCase, type ScaleContext } from './common.js';

const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const SHARDS = (process.env.BENCH_IDLE_SHARDS ?? '64,256').split(',').map(Number);
const IDLE = process.env.BENCH_IDLE_TIME_BETWEEN_READS;
const WARMUP_SECONDS = Number(process.env.BENCH_IDLE_WARMUP_SECONDS ?? 6);

interface IdleCost {
  workerMsPerShardS: number;
  emulatorMsPerShardS: number;
  getRecordsPerShardS: number;
  dynamodbPerShardS: number;
}

async function idleCost(ctx: ScaleContext, shards: number, source: Record<string, unknown>): Promise<IdleCost> {
  const { query } = await startWorker(ctx, shards, source, new CountingSink('out'));
  try {
    await pause(WARMUP_SECONDS * 1000); // readers reach their idle pace; JIT warm
    const emulatorPid = ctx.stack.emulatorPids().kinesis;
    const c0 = cpuMs();
    const e0 = processCpuMs(emulatorPid) ?? 0;
    const g0 = ctx.getRecordsCalls();
    const d0 = ctx.dynamodbCalls();
    const t0 = performance.now();
    await pause(SECONDS * 1000);
    const s = (performance.now() - t0) / 1000;
    const worker = cpuMs() - c0;
    const emulator = (processCpuMs(emulatorPid) ?? 0) - e0;
    const calls = ctx.getRecordsCalls() - g0;
    const dynamodb = ctx.dynamodbCalls() - d0;
    return { workerMsPerShardS: worker / shards / s, emulatorMsPerShardS: emulator / shards / s, getRecordsPerShardS: calls / shards / s, dynamodbPerShardS: dynamodb / shards / s };
  } finally {
    await query.stop();
  }
}

export const idle: ScaleCase = {
  name: 'idle',
  async run(ctx) {
    for (const shards of SHARDS) {
      const base = await idleCost(ctx, shards, { pollInterval: 200, idleTimeBetweenReads: 200 });
      const now = await idleCost(ctx, shards, IDLE ? { idleTimeBetweenReads: IDLE } : {});
      line({
        case: 'idle',
        shards,
        cpu_ms_per_shard_s: now.workerMsPerShardS.toFixed(3),
        baseline_cpu_ms_per_shard_s: base.workerMsPerShardS.toFixed(3),
        ratio: (now.workerMsPerShardS / base.workerMsPerShardS).toFixed(2),
        getrecords_per_shard_s: now.getRecordsPerShardS.toFixed(2),
        baseline_getrecords_per_shard_s: base.getRecordsPerShardS.toFixed(2),
        dynamodb_calls_per_shard_s: now.dynamodbPerShardS.toFixed(2),
        // CPU per AWS call, both runs: on a contended machine the baseline cannot make its 5 reads/s, so this is the steadier comparison.
        cpu_ms_per_call: (now.workerMsPerShardS / (now.getRecordsPerShardS + now.dynamodbPerShardS)).toFixed(2),
        baseline_cpu_ms_per_call: (base.workerMsPerShardS / (base.getRecordsPerShardS + base.dynamodbPerShardS)).toFixed(2),
        emulator_cpu_ms_per_shard_s: now.emulatorMsPerShardS.toFixed(3),
        baseline_emulator_cpu_ms_per_shard_s: base.emulatorMsPerShardS.toFixed(3),
        seconds: SECONDS,
      });
    }
  },
};
