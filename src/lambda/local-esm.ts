import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord, KinesisStreamStateResponse } from 'aws-lambda';
import { describeStream, listShards } from '../aws/admin.js';
import { awsCall } from '../aws/errors.js';
import { toEventRecord } from './event.js';
import type { LambdaEvent, LambdaResult } from './handler.js';

export interface LocalEsmOptions {
  kinesis: KinesisClient;
  stream: string;
  region: string;
  handler: (event: LambdaEvent) => Promise<LambdaResult>;
  /** Records per invocation at most (the ESM's BatchSize). Default 100. */
  batchSize?: number;
  /** Wait up to this long to fill a batch (MaximumBatchingWindowInSeconds, in ms). Default 0. */
  batchingWindowMs?: number;
  /** TumblingWindowInSeconds, in seconds; 0 = none. */
  tumblingWindowSeconds?: number;
  /** Retries of a failing batch before its records are given up (MaximumRetryAttempts). Default 3. */
  maxRetries?: number;
  /** BisectBatchOnFunctionError. Default true. */
  bisect?: boolean;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Stop once no shard has returned a record for this long. */
  idleStopMs?: number;
  /** Called with what happened, one line each (invocations, retries, records given up). */
  log?: (line: string) => void;
}

export interface LocalEsmTotals {
  invocations: number;
  records: number;
  retries: number;
  /** Records given up after maxRetries (a real ESM sends their positions to the on-failure destination). */
  discarded: number;
  windowsClosed: number;
}

/**
 * Drives a Lambda handler from a Kinesis stream the way the event source mapping does, for local
 * testing: per shard in order, one invocation at a time; batches of at most `batchSize`; a
 * reported `batchItemFailures` retries from that record; a thrown error retries the batch, bisected
 * when `bisect` is set; after `maxRetries` the records are given up. With a tumbling window, the
 * `state` the handler returns is handed to the next invocation of the shard, and a final
 * invocation (no records, `isFinalInvokeForWindow`) closes each window. Windows follow the records'
 * arrival times. See docs/lambda.md for what differs from the real ESM.
 */
export class LocalEventSourceMapping {
  readonly totals: LocalEsmTotals = { invocations: 0, records: 0, retries: 0, discarded: 0, windowsClosed: 0 };
  private stopped = false;

  constructor(private readonly o: LocalEsmOptions) {}

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<LocalEsmTotals> {
    const info = await describeStream(this.o.kinesis, this.o.stream);
    const arn = info.arn ?? `arn:aws:kinesis:${this.o.region}:000000000000:stream/${this.o.stream}`;
    const shards = await listShards(this.o.kinesis, this.o.stream);
    await Promise.all(shards.map((s) => this.runShard(s.ShardId!, arn)));
    return this.totals;
  }

  private async runShard(shardId: string, arn: string): Promise<void> {
    const o = this.o;
    const batchSize = o.batchSize ?? 100;
    const windowMs = (o.tumblingWindowSeconds ?? 0) * 1000;
    let iterator = (
      await awsCall('GetShardIterator', () =>
        o.kinesis.send(new GetShardIteratorCommand({ StreamName: o.stream, ShardId: shardId, ShardIteratorType: o.startingPosition ?? 'TRIM_HORIZON' })),
      )
    ).ShardIterator;
    const pending: KinesisStreamRecord[] = [];
    let state: Record<string, unknown> = {};
    let windowStart: number | undefined;
    let lastRecordAt = Date.now();
    let fillStarted: number | undefined;
    while (!this.stopped) {
      if (iterator && pending.length < batchSize) {
        const r = await awsCall('GetRecords', () => o.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize })));
        iterator = r.NextShardIterator;
        for (const rec of r.Records ?? []) pending.push(toEventRecord(rec, shardId, arn, o.region));
        if ((r.Records ?? []).length > 0) lastRecordAt = Date.now();
      }
      const idle = Date.now() - lastRecordAt;
      if (pending.length === 0) {
        if (windowStart !== undefined && Date.now() >= windowStart + windowMs) {
          state = await this.closeWindow(shardId, windowStart, windowMs, state);
          windowStart = undefined;
        }
        if (!iterator || (o.idleStopMs !== undefined && idle >= o.idleStopMs)) break;
        await sleep(200);
        continue;
      }
      fillStarted ??= Date.now();
      if (pending.length < batchSize && iterator && Date.now() - fillStarted < (o.batchingWindowMs ?? 0)) {
        await sleep(50);
        continue;
      }
      fillStarted = undefined;
      // A batch: at most batchSize records, and with a tumbling window only records of one window.
      let take = Math.min(batchSize, pending.length);
      if (windowMs > 0) {
        const w0 = windowOf(pending[0]!, windowMs);
        if (windowStart !== undefined && w0 !== windowStart) {
          state = await this.closeWindow(shardId, windowStart, windowMs, state);
        }
        windowStart = w0;
        let n = 0;
        while (n < take && windowOf(pending[n]!, windowMs) === w0) n++;
        take = n;
      }
      const batch = pending.splice(0, take);
      state = await this.deliver(shardId, batch, windowStart, windowMs, state);
    }
    if (windowStart !== undefined && !this.stopped) await this.closeWindow(shardId, windowStart, windowMs, state);
  }

  /** Invokes until the batch is done: retries from a reported failure, bisects on errors, gives up after maxRetries. */
  private async deliver(shardId: string, batch: KinesisStreamRecord[], windowStart: number | undefined, windowMs: number, state: Record<string, unknown>): Promise<Record<string, unknown>> {
    const o = this.o;
    const maxRetries = o.maxRetries ?? 3;
    // Each part of the batch carries its attempts so far: bisected halves and retried tails inherit them.
    const queue: { records: KinesisStreamRecord[]; attempts: number }[] = [{ records: batch, attempts: 0 }];
    while (queue.length > 0) {
      const { records, attempts } = queue.shift()!;
      if (records.length === 0) continue;
      this.totals.invocations++;
      const event = windowStart === undefined ? { Records: records } : { Records: records, ...this.window(shardId, windowStart, windowMs, state, false) };
      let result: LambdaResult | undefined;
      let error: unknown;
      try {
        result = await o.handler(event);
      } catch (e) {
        error = e;
      }
      if (result && result.batchItemFailures?.length === 0) {
        this.totals.records += records.length;
        if ('state' in result) state = (result as KinesisStreamStateResponse).state;
        continue;
      }
      let retry = records;
      if (result) {
        // ReportBatchItemFailures: everything before the lowest reported record is done; retry from it.
        const seqs = new Set(result.batchItemFailures!.map((f) => f.itemIdentifier));
        const at = records.findIndex((r) => seqs.has(r.kinesis.sequenceNumber));
        const from = at < 0 ? 0 : at;
        this.totals.records += from;
        retry = records.slice(from);
      }
      if (attempts + 1 > maxRetries) {
        this.totals.discarded += retry.length;
        o.log?.(`${shardId}: gave up ${retry.length} records from ${retry[0]!.kinesis.sequenceNumber} after ${maxRetries} retries (a real ESM sends them to the on-failure destination)`);
        continue;
      }
      this.totals.retries++;
      if (result) {
        o.log?.(`${shardId}: retrying from ${retry[0]!.kinesis.sequenceNumber} (${retry.length} records)`);
        queue.unshift({ records: retry, attempts: attempts + 1 });
      } else if ((o.bisect ?? true) && records.length > 1) {
        const half = Math.ceil(records.length / 2);
        o.log?.(`${shardId}: function error (${(error as Error)?.message ?? String(error)}), bisecting ${records.length} records`);
        queue.unshift({ records: records.slice(0, half), attempts: attempts + 1 }, { records: records.slice(half), attempts: attempts + 1 });
      } else {
        o.log?.(`${shardId}: function error (${(error as Error)?.message ?? String(error)}), retrying ${records.length} records`);
        queue.unshift({ records, attempts: attempts + 1 });
      }
    }
    return state;
  }

  private window(shardId: string, start: number, windowMs: number, state: Record<string, unknown>, final: boolean) {
    return {
      window: { start: new Date(start).toISOString(), end: new Date(start + windowMs).toISOString() },
      state,
      shardId,
      isFinalInvokeForWindow: final,
      isWindowTerminatedEarly: false,
    };
  }

  private async closeWindow(shardId: string, start: number, windowMs: number, state: Record<string, unknown>): Promise<Record<string, unknown>> {
    const maxRetries = this.o.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      this.totals.invocations++;
      try {
        const r = await this.o.handler({ Records: [], ...this.window(shardId, start, windowMs, state, true) });
        if (r.batchItemFailures?.length === 0) {
          this.totals.windowsClosed++;
          return {};
        }
      } catch (e) {
        this.o.log?.(`${shardId}: final invoke of window ${new Date(start).toISOString()} failed: ${(e as Error).message}`);
      }
      if (attempt >= maxRetries) {
        this.o.log?.(`${shardId}: gave up the final invoke of window ${new Date(start).toISOString()}`);
        return {};
      }
      this.totals.retries++;
    }
  }
}

function windowOf(r: KinesisStreamRecord, windowMs: number): number {
  const ms = Math.round(r.kinesis.approximateArrivalTimestamp * 1000);
  return ms - (ms % windowMs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
