import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { awsCall, classifyAwsError } from '../aws/errors.js';
import { notifyAwsRetry } from '../aws/aws-call.js';
import { backoffDelay, sleep } from '../retry.js';
import { iteratorRequest, skipsRecord, type ShardPosition } from './position.js';
import type { KinesisRecord } from './record.js';
import { deaggregate } from './kpl.js';
import { DEFAULT_READ_RETRY, readFailure, type ReadRetryOptions } from './read-errors.js';
import { waitedMs, type ShardLag } from './shard-lag.js';
import { drainBuffer } from './drain.js';
import type { ReadSlots } from './read-slots.js';

export type { ShardLag } from './shard-lag.js';

export interface ShardReaderOptions {
  kinesis: KinesisClient;
  streamName: string;
  shardId: string;
  /** Where to start: after the checkpoint, or the configured starting position. */
  start: ShardPosition;
  /** Records per GetRecords call (max 10,000). */
  limit: number;
  /** Wait between polls when the last poll returned fewer than `limit` records (the pipeline's `source.pollInterval`). */
  idleMs: number;
  /**
   * The longest wait between polls of an idle shard (`source.idleTimeBetweenReads`): each empty
   * read doubles the wait, from `idleMs` up to this; a read that returns records resets it to
   * `idleMs`. Records arriving on an idle shard wait at most this long. Default `idleMs` (no backoff).
   */
  maxIdleMs?: number;
  /**
   * Wait after a read that returned records and caught up with the shard. Default `idleMs`. A
   * micro-batch that reads every shard as it starts ({@link ShardReader.readNow}) gains nothing from
   * reads in between, which would only multiply the calls (see `KinesisSourceOptions.caughtUpMs`).
   */
  caughtUpMs?: number;
  /** Stop polling while this many records wait to be drained (backpressure). */
  maxBuffered: number;
  /** At least this long between two GetRecords calls on this shard (AWS allows 5 per second per shard: 200). Default 0. */
  minCallIntervalMs?: number;
  /** Backoff of this shard's failed calls; the shard gives up (stopping the pipeline) after `attempts` failures in a row. */
  retry?: ReadRetryOptions;
  /** Shared by the readers of one source: at most this many GetRecords calls in flight at once. Default: no bound. */
  slots?: ReadSlots;
  /** How the reader waits between calls (tests observe the waits). Default {@link sleep}. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Polls one shard with GetRecords into a bounded buffer. Expired iterators are renewed just after
 * the last record handed to the buffer (or from the start position when nothing was read yet), so
 * renewal neither skips nor repeats records. A throttled or failed call backs off this shard only
 * (full-jitter exponential backoff); the other shards' readers go on. An idle shard is read less
 * and less often, down to once per `maxIdleMs`: on many idle shards the GetRecords calls (0.7 to 1
 * ms of CPU each, nearly all of it the AWS SDK and HTTP) are most of a worker's cost.
 */
export class ShardReader {
  private buffer: KinesisRecord[] = [];
  private lastReadSequence: string | undefined;
  private iterator: string | undefined;
  private millisBehindLatest = 0;
  private arrivalLagMs = 0;
  /**
   * Arrival time of the newest record read, while the last read returned a full page (more records
   * wait in the shard, the next one arrived right after it); undefined once a read caught up.
   */
  private unreadAfterMs: number | undefined;
  private running = false;
  /** The wait after the next empty read: `idleMs`, doubled by each empty read up to `maxIdleMs`. */
  private idleWaitMs: number;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Cuts the current wait between reads short (see {@link ShardReader.readNow}). */
  private idleAbort: AbortController | undefined;
  /** Callers of readNow waiting for the next read to return. */
  private readWaiters: (() => void)[] = [];
  /** True once the shard is closed (resharded) and fully read. */
  ended = false;
  polls = 0;
  readonly shardId: string;

  constructor(private readonly o: ShardReaderOptions) {
    this.shardId = o.shardId;
    this.idleWaitMs = o.idleMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Takes up to `max` buffered records, oldest first, never splitting a KPL aggregate (its records
   * share one sequence number, which is checkpointed once all of them are processed).
   */
  drain(max = Number.POSITIVE_INFINITY): KinesisRecord[] {
    const { out, rest } = drainBuffer(this.buffer, max);
    this.buffer = rest;
    return out;
  }

  /**
   * Reads the shard now if the reader is waiting between reads (a batch is starting: it should see
   * what arrived since the last read, not wait for the next tick). Resolves once the next read has
   * returned, or at once when the reader has records enough or is not reading. The pause AWS asks
   * between calls (`minCallIntervalMs`) and backoffs after errors are kept, and so is an idle
   * shard's backoff: a shard whose last two reads came back empty is left to its own pace (on a
   * worker with hundreds of idle shards, a read of each per batch would cost most of a core).
   */
  readNow(): Promise<void> {
    if (!this.running || this.ended || this.buffer.length >= this.o.maxBuffered || this.idleWaitMs > 2 * this.o.idleMs) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.readWaiters.push(resolve));
    this.idleAbort?.abort();
    this.idleAbort = undefined;
    return p;
  }

  private readReturned(): void {
    if (this.readWaiters.length === 0) return;
    const waiters = this.readWaiters;
    this.readWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * The wait between two reads; {@link ShardReader.readNow} and {@link ShardReader.close} cut it
   * short. One controller serves every wait until one of them fires it (an idle shard waits twice a
   * second per shard on a worker with hundreds: no signal is built per wait).
   */
  private async idle(wait: (ms: number, signal: AbortSignal) => Promise<void>, ms: number): Promise<void> {
    if (!this.idleAbort || this.idleAbort.signal.aborted) this.idleAbort = new AbortController();
    if (this.abort.signal.aborted) return;
    await wait(ms, this.idleAbort.signal);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * How long the oldest record not yet handed out has waited (see `Source.behindMs`): the oldest
   * buffered one, or with none buffered the first one not read yet (it arrived after the newest
   * read, when that read returned a full page). `MillisBehindLatest` as well, where the service
   * reports it (kinesalite reports 0 on open shards).
   */
  behindMs(now: number): number {
    return waitedMs(now, this.millisBehindLatest, this.buffer[0]?.arrivalMs ?? this.unreadAfterMs);
  }

  lag(): ShardLag {
    return {
      shardId: this.o.shardId,
      millisBehindLatest: this.millisBehindLatest,
      arrivalLagMs: this.arrivalLagMs,
      buffered: this.buffer.length,
      ended: this.ended,
    };
  }

  private async renewIterator(): Promise<void> {
    const position: ShardPosition = this.lastReadSequence ? { kind: 'afterSequence', sequenceNumber: this.lastReadSequence } : this.o.start;
    const r = await awsCall('GetShardIterator', () =>
      this.o.kinesis.send(
        new GetShardIteratorCommand({ StreamName: this.o.streamName, ShardId: this.o.shardId, ...iteratorRequest(position) }),
        { abortSignal: this.abort.signal },
      ),
    );
    this.iterator = r.ShardIterator;
  }

  /** Monotonic (performance.now): a wall clock stepped back must not make the reader sleep for the step. */
  private lastCallAt = -Infinity;

  private async run(): Promise<void> {
    const retry = this.o.retry ?? DEFAULT_READ_RETRY;
    const wait = this.o.wait ?? sleep;
    try {
      await this.readLoop(wait, retry);
    } finally {
      this.readReturned();
    }
  }

  private async readLoop(wait: (ms: number, signal: AbortSignal) => Promise<void>, retry: ReadRetryOptions): Promise<void> {
    const maxIdleMs = Math.max(this.o.idleMs, this.o.maxIdleMs ?? this.o.idleMs);
    let failures = 0;
    while (this.running) {
      if (this.buffer.length >= this.o.maxBuffered) {
        this.readReturned();
        await wait(Math.min(this.o.idleMs, 50), this.abort.signal);
        continue;
      }
      try {
        if (!this.iterator) await this.renewIterator();
        if (!this.iterator) {
          this.ended = true;
          return;
        }
        const early = this.lastCallAt + (this.o.minCallIntervalMs ?? 0) - performance.now();
        if (early > 0) await wait(early, this.abort.signal);
        if (!this.running) return;
        this.lastCallAt = performance.now();
        let r: Awaited<ReturnType<ShardReader['getRecords']>>;
        try {
          r = await this.getRecords(this.iterator);
        } finally {
          // Records (if any) are buffered below, synchronously, before a waiter runs.
          queueMicrotask(() => this.readReturned());
        }
        this.polls++;
        failures = 0;
        const records = r.Records ?? [];
        this.millisBehindLatest = r.MillisBehindLatest ?? 0;
        if (records.length === 0) {
          // The common case on an idle shard: nothing to hand out; read again later, each time later.
          this.iterator = r.NextShardIterator;
          this.arrivalLagMs = 0;
          this.unreadAfterMs = undefined;
          if (!this.iterator) {
            this.ended = true; // closed shard read to its end
            return;
          }
          if (this.millisBehindLatest === 0) {
            const idle = this.idleWaitMs;
            this.idleWaitMs = Math.min(maxIdleMs, idle * 2);
            await this.idle(wait, idle);
          }
          continue;
        }
        this.idleWaitMs = this.o.idleMs;
        for (const rec of records) {
          const record: KinesisRecord = {
            shardId: this.o.shardId,
            sequenceNumber: rec.SequenceNumber!,
            partitionKey: rec.PartitionKey ?? '',
            arrivalMs: rec.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
            data: rec.Data ?? new Uint8Array(0),
          };
          for (const r of deaggregate(record)) if (this.lastReadSequence || !skipsRecord(this.o.start, r)) this.buffer.push(r);
        }
        const newest = records[records.length - 1]!;
        this.lastReadSequence = newest.SequenceNumber;
        this.iterator = r.NextShardIterator; // after the records are in the buffer: a renewal starts after them
        this.arrivalLagMs = Math.max(0, Date.now() - (newest.ApproximateArrivalTimestamp?.getTime() ?? Date.now()));
        if (!this.iterator) {
          this.ended = true; // closed shard read to its end
          return;
        }
        const caughtUp = records.length < this.o.limit && this.millisBehindLatest === 0;
        this.unreadAfterMs = records.length < this.o.limit ? undefined : newest.ApproximateArrivalTimestamp?.getTime();
        if (caughtUp) await this.idle(wait, Math.max(this.o.idleMs, this.o.caughtUpMs ?? 0));
      } catch (error) {
        if (!this.running) return;
        const classified = classifyAwsError(error, this.iterator ? 'GetRecords' : 'GetShardIterator');
        if (classified.code === 'ExpiredIteratorException') {
          this.iterator = undefined;
          continue;
        }
        failures++;
        if (!classified.retriable || failures >= retry.attempts) {
          this.running = false;
          throw readFailure(classified, { stream: this.o.streamName, shardId: this.o.shardId, failures, retry });
        }
        const delayMs = backoffDelay(failures - 1, retry);
        notifyAwsRetry(error, failures, delayMs, this.o.shardId);
        await wait(delayMs, this.abort.signal);
      }
    }
  }

  private async getRecords(iterator: string) {
    const slots = this.o.slots;
    if (slots) await slots.acquire();
    try {
      // No per-call options, so the client's resolved middleware is reused (`cacheMiddleware`, a
      // fifth of the call's CPU); a close stops waiting for the call instead of aborting its request.
      return await untilAborted(this.o.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.o.limit })), this.abort.signal);
    } finally {
      slots?.release();
    }
  }

  /** The loop's promise: rejects if the shard cannot be read for a reason retrying will not fix. */
  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.idleAbort?.abort();
    await this.loop?.catch(() => undefined);
  }
}

/** `call`, or an AbortError as soon as `signal` fires (the call itself runs on, unobserved). */
function untilAborted<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      call.catch(() => undefined);
      reject(new DOMException('the reader was closed', 'AbortError'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    call.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}
