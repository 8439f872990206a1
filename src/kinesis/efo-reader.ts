import {
  SubscribeToShardCommand,
  type ChildShard,
  type KinesisClient,
  type StartingPosition as SdkStartingPosition,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { notifyAwsRetry } from '../aws/aws-call.js';
import { classifyAwsError } from '../aws/errors.js';
import { backoffDelay, sleep } from '../retry.js';
import { deaggregate } from './kpl.js';
import { compareSequence, skipsRecord, type ShardPosition } from './position.js';
import { DEFAULT_READ_RETRY, readFailure, type ReadRetryOptions } from './read-errors.js';
import type { KinesisRecord } from './record.js';
import { waitedMs, type ShardLag } from './shard-lag.js';
import { drainBuffer } from './drain.js';

export interface EfoShardReaderOptions {
  /** A client that speaks HTTP/2 on AWS (see `subscriptionClient`); HTTP/1.1 is enough locally. */
  kinesis: KinesisClient;
  streamName: string;
  consumerArn: string;
  /** For messages: the consumer's name. */
  consumerName: string;
  shardId: string;
  start: ShardPosition;
  /** Stop taking events while this many records wait to be drained (backpressure through the HTTP stream). */
  maxBuffered: number;
  retry?: ReadRetryOptions;
  /** End each subscription after this long and subscribe again from its continuation. AWS ends them after 5 minutes; set it lower to rehearse. */
  subscriptionMs?: number;
}

function startingPosition(p: ShardPosition): SdkStartingPosition {
  switch (p.kind) {
    case 'latest':
      return { Type: 'LATEST' };
    case 'trimHorizon':
      return { Type: 'TRIM_HORIZON' };
    case 'atTimestamp':
      return { Type: 'AT_TIMESTAMP', Timestamp: p.at };
    case 'afterSequence':
      return { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: p.sequenceNumber };
    case 'atSequence':
      return { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: p.sequenceNumber };
  }
}

/**
 * Reads one shard through enhanced fan-out (SubscribeToShard): the service pushes events into a
 * bounded buffer, with the same interface as the polling {@link ShardReader}, so everything after
 * the read (decode, windows, sinks, checkpoints) is shared.
 *
 * A subscription lasts at most 5 minutes on AWS, or ends on an error; the reader then subscribes
 * again AFTER the last event's `ContinuationSequenceNumber` (never from the checkpoint, which
 * would re-read what is buffered or in flight), backing off on `ResourceInUseException` (the old
 * subscription is still closing) and throttling. When the shard closes, the last event names its
 * `ChildShards`, which the source reads once this shard is checkpointed at SHARD_END.
 */
export class EfoShardReader {
  private buffer: KinesisRecord[] = [];
  /** Where the next subscription starts: the last event's continuation, else the start position. */
  private continuation: string | undefined;
  private lastRecordSequence: string | undefined;
  private millisBehindLatest = 0;
  private arrivalLagMs = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private drained: (() => void) | undefined;
  ended = false;
  /** Subscriptions opened, the first included. */
  subscriptions = 0;
  /** The closed shard's children, from its last event. */
  childShards: ChildShard[] = [];
  private closedKnown = false;
  private emptyAfterClose = 0;
  readonly shardId: string;

  constructor(private readonly o: EfoShardReaderOptions) {
    this.shardId = o.shardId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  drain(max = Number.POSITIVE_INFINITY): KinesisRecord[] {
    const { out, rest } = drainBuffer(this.buffer, max);
    this.buffer = rest;
    if (this.buffer.length < this.o.maxBuffered) this.drained?.();
    return out;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** How long the oldest record not yet handed out has waited (see `Source.behindMs`). */
  behindMs(now: number): number {
    return waitedMs(now, this.millisBehindLatest, this.buffer[0]?.arrivalMs);
  }

  lag(): ShardLag {
    return { shardId: this.shardId, millisBehindLatest: this.millisBehindLatest, arrivalLagMs: this.arrivalLagMs, buffered: this.buffer.length, ended: this.ended };
  }

  /**
   * Tells the reader its shard is closed (the shard listing shows an ending sequence number).
   * AWS ends a closed shard's subscription with a ChildShards event; an emulator that does not
   * (kinesis-mock) keeps sending empty events. After the closure is known, two empty events
   * caught up to the tip (MillisBehindLatest 0) mean the shard is read to its end: no record can
   * be added to a closed shard.
   */
  markClosed(): void {
    this.closedKnown = true;
  }

  private position(): ShardPosition {
    return this.continuation ? { kind: 'afterSequence', sequenceNumber: this.continuation } : this.o.start;
  }

  private async run(): Promise<void> {
    const retry = this.o.retry ?? DEFAULT_READ_RETRY;
    let failures = 0;
    while (this.running && !this.ended) {
      const subscription = new AbortController();
      const endAll = () => subscription.abort();
      this.abort.signal.addEventListener('abort', endAll, { once: true });
      const timer = this.o.subscriptionMs ? setTimeout(endAll, this.o.subscriptionMs) : undefined;
      try {
        const r = await this.o.kinesis.send(
          new SubscribeToShardCommand({ ConsumerARN: this.o.consumerArn, ShardId: this.shardId, StartingPosition: startingPosition(this.position()) }),
          { abortSignal: subscription.signal },
        );
        this.subscriptions++;
        for await (const event of r.EventStream ?? []) {
          if (!this.running || subscription.signal.aborted) break;
          await this.take(event);
          failures = 0;
          if (this.ended) break;
        }
        // The subscription ended (after 5 minutes on AWS): subscribe again from the continuation.
      } catch (error) {
        if (!this.running) return;
        if (subscription.signal.aborted) continue; // our own renewal (subscriptionMs)
        const classified = classifyAwsError(error, 'SubscribeToShard');
        failures++;
        if (!classified.retriable || failures >= retry.attempts) {
          this.running = false;
          throw readFailure(classified, { stream: this.o.streamName, shardId: this.shardId, failures, retry, consumer: this.o.consumerName });
        }
        // ResourceInUseException: the previous subscription is still open (AWS closes it within seconds).
        const delayMs = Math.max(classified.code === 'ResourceInUseException' ? 1_000 : 0, backoffDelay(failures - 1, retry));
        notifyAwsRetry(error, failures, delayMs, this.shardId);
        await sleep(delayMs, this.abort.signal);
      } finally {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', endAll);
        subscription.abort(); // never leave a subscription open behind us
      }
    }
  }

  private async take(event: SubscribeToShardEventStream): Promise<void> {
    const e = event.SubscribeToShardEvent;
    if (!e) {
      // Errors the service sends inside the stream (the SDK usually throws them itself).
      const [name, value] = Object.entries(event).find(([, v]) => v !== undefined) ?? ['UnknownEvent', {}];
      throw Object.assign(new Error((value as { message?: string }).message ?? name), { name });
    }
    while (this.buffer.length >= this.o.maxBuffered && this.running) {
      // Backpressure: the next event is not pulled from the HTTP stream until the buffer drains.
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        this.abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.drained = undefined;
    }
    const records = e.Records ?? [];
    for (const rec of records) {
      const seq = rec.SequenceNumber!;
      // A resubscription starts after the continuation; this guard keeps a repeat out regardless.
      if (this.lastRecordSequence && compareSequence(seq, this.lastRecordSequence) <= 0) continue;
      this.lastRecordSequence = seq;
      const record: KinesisRecord = {
        shardId: this.shardId,
        sequenceNumber: seq,
        partitionKey: rec.PartitionKey ?? '',
        arrivalMs: rec.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
        data: rec.Data ?? new Uint8Array(0),
      };
      for (const r of deaggregate(record)) if (this.continuation || !skipsRecord(this.o.start, r)) this.buffer.push(r);
    }
    const newest = records.at(-1);
    this.arrivalLagMs = newest ? Math.max(0, Date.now() - (newest.ApproximateArrivalTimestamp?.getTime() ?? Date.now())) : 0;
    this.millisBehindLatest = e.MillisBehindLatest ?? 0;
    if (e.ContinuationSequenceNumber) this.continuation = e.ContinuationSequenceNumber;
    // A closed shard's last event has child shards and no continuation.
    if (e.ChildShards && e.ChildShards.length > 0 && !e.ContinuationSequenceNumber) {
      this.childShards = e.ChildShards;
      this.ended = true;
    } else if (this.closedKnown && records.length === 0 && (e.MillisBehindLatest ?? 0) === 0 && ++this.emptyAfterClose >= 2) {
      this.ended = true;
    }
  }

  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Cancels the subscription (no zombie subscription keeps using the consumer's 20-per-stream budget). */
  async close(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }
}
