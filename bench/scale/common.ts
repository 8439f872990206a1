/** What the `scale` bench cases share: the embedded stack, a worker on an N-shard stream, CPU of this process and of the emulator. */
import { readFileSync } from 'node:fs';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { ensureStream } from '../../src/aws/admin.js';
import type { ColumnBatch } from '../../src/core/batch.js';
import type { Sink, SinkWriteResult } from '../../src/core/sink.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';

export interface ScaleContext {
  stack: LocalStack;
  clients: AwsClients;
  /** A fresh name for a stream or an app. */
  name(prefix: string): string;
  /** GetRecords calls sent through `clients` so far. */
  getRecordsCalls(): number;
  /** DynamoDB calls (leases, checkpoints) sent through `clients` so far. */
  dynamodbCalls(): number;
}

/** One case of `npm run bench -- scale`: prints its own `case=… key=value` lines. */
export interface ScaleCase {
  name: string;
  run(ctx: ScaleContext): Promise<void>;
}

export async function withStack(body: (ctx: ScaleContext) => Promise<void>): Promise<void> {
  const stack = await startLocalStack();
  const clients = createAwsClients({ ...stack.connection, faults: [] });
  let n = 0;
  let calls = 0;
  let dynamodb = 0;
  clients.kinesis.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'GetRecordsCommand') calls++;
      return next(args);
    },
    { step: 'initialize', name: 'scaleBenchCountGetRecords' },
  );
  clients.dynamodb.middlewareStack.add(
    (next) => (args) => {
      dynamodb++;
      return next(args);
    },
    { step: 'initialize', name: 'scaleBenchCountDynamoDB' },
  );
  try {
    await body({ stack, clients, name: (prefix) => `${prefix}-${process.pid}-${n++}`, getRecordsCalls: () => calls, dynamodbCalls: () => dynamodb });
  } finally {
    clients.close();
    await stack.close();
  }
}

/** CPU ms (user + system) of another process, from /proc (Linux); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of /proc/PID/stat (1-based), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** A sink that only counts, and calls `onBatch` with each batch (the load case reads the put time from it). */
export class CountingSink implements Sink {
  rows = 0;
  constructor(
    readonly name: string,
    private readonly onBatch: (batch: ColumnBatch) => void = () => undefined,
  ) {}
  async init(): Promise<void> {}
  async write(batch: ColumnBatch): Promise<SinkWriteResult> {
    this.rows += batch.length;
    this.onBatch(batch);
    return { written: batch.length, skipped: 0, deadLetters: [] };
  }
  async close(): Promise<void> {}
}

/**
 * One worker (a leased StreamingQuery, as `sluice run` builds it) reading a new `shards`-shard
 * stream; resolves once it reads every shard.
 */
export async function startWorker(
  ctx: ScaleContext,
  shards: number,
  source: Partial<PipelineConfigInput['source']>,
  sink: CountingSink,
  extra: Partial<PipelineConfigInput> = {},
): Promise<{ query: StreamingQuery; stream: string }> {
  const stream = ctx.name('scale');
  await ensureStream(ctx.clients.kinesis, stream, shards);
  const config = parsePipelineConfig({
    app: `${stream}-app`,
    source: { stream, startingPosition: 'trim_horizon', ...source },
    format: { kind: 'csv', columns: [{ name: 'put_ms', type: 'double' }, { name: 'n', type: 'int' }] },
    outputs: [{ name: 'out', sql: 'SELECT put_ms FROM events', sink: { kind: 'console' } }],
    ...extra,
  });
  const query = new StreamingQuery({ config, clients: ctx.clients, sinks: { out: sink } });
  await query.start();
  const deadline = performance.now() + 60_000;
  while (query.readingShards().length < shards) {
    if (performance.now() > deadline) throw new Error(`the worker reads ${query.readingShards().length} of ${shards} shards after 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { query, stream };
}

export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
