import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { listShards } from '../aws/admin.js';
import { subscriptionClient } from '../aws/clients.js';
import { SHARD_END, type ShardCheckpoint } from '../checkpoint/store.js';
import { retry } from '../retry.js';
import { EfoShardReader } from './efo-reader.js';
import { compareSequence, shardStart, type ShardPosition, type StartingPosition } from './position.js';
import type { ReadRetryOptions } from './read-errors.js';
import type { KinesisRecord } from './record.js';
import { ShardReader } from './shard-reader.js';
import { ReadSlots } from './read-slots.js';
import type { ShardLag } from './shard-lag.js';
import { ensureStreamConsumer, type StreamConsumer } from './stream-consumer.js';

/** The longest wait between two reads of an idle shard by default (`source.idleTimeBetweenReads`). */
export const DEFAULT_IDLE_TIME_BETWEEN_READS_MS = 2000;

/** How records are read: polling (`GetRecords`, the default) or enhanced fan-out (`SubscribeToShard`). */
export type ConsumerType = 'GetRecords' | 'SubscribeToShard';

/** What the source needs from a per-shard reader; the polling and the fan-out readers both provide it. */
export interface ShardRecordReader {
  readonly shardId: string;
  readonly ended: boolean;
  readonly buffered: number;
  start(): void;
  drain(max?: number): KinesisRecord[];
  lag(): ShardLag;
  /** How long the oldest record not yet handed out has waited, at wall time `now` (see `Source.behindMs`). */
  behindMs(now: number): number;
  /** Polling readers: read now instead of at the next tick; resolves when that read returned. */
  readNow?(): Promise<void>;
  done(): Promise<void>;
  close(): Promise<void>;
}

export interface KinesisSourceOptions {
  kinesis: KinesisClient;
  streamName: string;
  startingPosition: StartingPosition;
  /** Per-shard overrides of `startingPosition` (a `latest` resolved to the app's first start; see src/checkpoint/starting-position.ts). */
  startingPositions?: ReadonlyMap<string, StartingPosition>;
  /**
   * Records per GetRecords call. Default 10,000 (the service maximum); 1,000 on a loopback
   * endpoint, where kinesalite takes ~300 ms to build a 10,000-record answer and a backlog's first
   * records would wait for all of it (the first batch of `npm run bench -- e2e` then started at
   * 600 ms instead of 200 ms, with DynamoDB idle until then).
   */
  limit?: number;
  /** Wait between polls of a caught-up shard. Default 200 ms (real Kinesis allows 5 reads/s/shard). */
  idleMs?: number;
  /**
   * The longest wait between polls of an idle shard: each empty read doubles a shard's wait from
   * `idleMs` up to this, and records reset it. Default {@link DEFAULT_IDLE_TIME_BETWEEN_READS_MS}
   * (or `idleMs` if longer); equal to `idleMs`, every shard is read every `idleMs`.
   */
  maxIdleMs?: number;
  /**
   * Wait between polls of a shard whose last read returned records and caught up. Default `idleMs`.
   * A micro-batch query that reads every shard as a batch starts (`refresh`) sets it to half its
   * batch interval: a record read between two batches waits for the next batch all the same, and on
   * a worker with hundreds of shards the reads in between were most of its calls.
   */
  caughtUpMs?: number;
  /** Records buffered per shard before polling pauses. Default 50,000. */
  maxBufferedPerShard?: number;
  /** How often to look for new shards after a reshard (the connector's `describeShardInterval`). Default 10 s. */
  discoveryIntervalMs?: number;
  /** `GetRecords` (default) or `SubscribeToShard` (enhanced fan-out, needs `consumerName`). */
  consumerType?: ConsumerType;
  /** The enhanced fan-out consumer to register (once) and subscribe as. */
  consumerName?: string;
  /** Backoff of each shard's failed reads. Default {@link DEFAULT_READ_RETRY}. */
  retry?: ReadRetryOptions;
  /** Enhanced fan-out: end each subscription after this long and resubscribe (AWS: 5 minutes). For rehearsals. */
  subscriptionMs?: number;
  /**
   * GetRecords calls in flight at once across all shards. Default 40: below the Kinesis client's 50
   * sockets, so with hundreds of shards calls wait for a slot here, not for a socket (where they would time out).
   */
  maxConcurrentReads?: number;
  /** GetRecords calls per second per shard at most (AWS allows 5). Default 5 on AWS, unlimited on a loopback endpoint. */
  maxGetRecordsPerSecond?: number;
  onError?: (error: unknown) => void;
}

/**
 * Reads every shard of a stream, by polling or by enhanced fan-out, honouring checkpoints and the parent-before-child
 * order of resharded streams: a child shard is read only once all its parents are checkpointed at
 * SHARD_END, and then from TRIM_HORIZON so none of its records are skipped.
 */
export class KinesisSource {
  private readonly readers = new Map<string, ShardRecordReader>();
  private shards: Shard[] = [];
  private checkpoints = new Map<string, string>();
  private discovery: NodeJS.Timeout | undefined;
  private closed = false;
  /** Shards this worker holds leases for; `undefined` reads every shard. */
  private owned: ReadonlySet<string> | undefined;
  private consumer: StreamConsumer | undefined;
  private subscriber: { client: KinesisClient; owned: boolean } | undefined;
  private minCallIntervalMs = 0;
  private limit = 10_000;
  private readonly slots: ReadSlots;

  constructor(private readonly o: KinesisSourceOptions) {
    this.slots = new ReadSlots(o.maxConcurrentReads ?? 40);
  }

  /** Starts readers for every shard that can be read now, given the loaded checkpoints. */
  async start(checkpoints: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {
    for (const [shardId, c] of checkpoints) this.checkpoints.set(shardId, c.checkpoint);
    const loopback = await isLoopback(this.o.kinesis);
    const perSecond = this.o.maxGetRecordsPerSecond ?? (loopback ? 0 : 5);
    this.limit = this.o.limit ?? (loopback ? 1_000 : 10_000);
    this.minCallIntervalMs = perSecond > 0 ? Math.ceil(1000 / perSecond) : 0;
    if (this.o.consumerType === 'SubscribeToShard') {
      this.consumer = await ensureStreamConsumer(this.o.kinesis, this.o.streamName, this.o.consumerName ?? 'sluice');
      this.subscriber = subscriptionClient(this.o.kinesis);
    }
    await retry(() => this.discover(), { retries: 8, initialDelayMs: 200, maxDelayMs: 5_000 });
    this.discovery = setInterval(() => {
      this.discover().catch((error: unknown) => this.o.onError?.(error));
    }, this.o.discoveryIntervalMs ?? 10_000);
    this.discovery.unref();
  }

  private async discover(): Promise<void> {
    if (this.closed) return;
    this.shards = await listShards(this.o.kinesis, this.o.streamName);
    for (const shard of this.shards) {
      const reader = this.readers.get(shard.ShardId!);
      if (reader instanceof EfoShardReader && shard.SequenceNumberRange?.EndingSequenceNumber) reader.markClosed();
    }
    await this.sync();
  }

  /** Every shard of the stream, as last listed. */
  shardIds(): string[] {
    return this.shards.map((s) => s.ShardId!);
  }

  /** The shards a shard was split or merged from, as last listed (`ParentShardId` first). */
  parentsOf(shardId: string): string[] {
    const shard = this.shards.find((s) => s.ShardId === shardId);
    return [shard?.ParentShardId, shard?.AdjacentParentShardId].filter((p): p is string => !!p);
  }

  /**
   * Restricts reading to the shards whose leases this worker holds, with the checkpoints every
   * worker wrote (so a child starts once another worker finished its parent); a checkpoint never
   * moves back here, except for the shards in `restart`. Readers of shards no longer held stop,
   * and their unprocessed records are dropped: the new owner re-reads them from the checkpoint.
   * Shards in `restart` (gained, or ours again after another worker read and checkpointed them)
   * drop their reader too and start again exactly after the stored checkpoint: what this worker
   * had read of them before is stale.
   */
  async assign(owned: ReadonlySet<string>, checkpoints: ReadonlyMap<string, string>, restart: ReadonlySet<string> = new Set()): Promise<void> {
    this.owned = owned;
    for (const [shardId, cp] of checkpoints) {
      const mine = this.checkpoints.get(shardId);
      if (restart.has(shardId)) {
        if (cp) this.checkpoints.set(shardId, cp);
        else this.checkpoints.delete(shardId);
      } else if (cp && (!mine || (mine !== SHARD_END && (cp === SHARD_END || compareSequence(cp, mine) > 0)))) this.checkpoints.set(shardId, cp);
    }
    for (const [id, reader] of this.readers) {
      if (owned.has(id) && !restart.has(id)) continue;
      this.readers.delete(id);
      await reader.close();
    }
    await this.sync();
  }

  private async sync(): Promise<void> {
    if (this.closed) return;
    const known = new Set(this.shards.map((s) => s.ShardId!));
    for (const shard of this.shards) {
      const id = shard.ShardId!;
      if (this.readers.has(id)) continue;
      if (this.owned && !this.owned.has(id)) continue;
      const position = this.positionFor(shard, known);
      if (!position) continue;
      const reader = this.createReader(id, position);
      this.readers.set(id, reader);
      reader.start();
      reader.done().catch((error: unknown) => this.o.onError?.(error));
    }
  }

  /** The one place polling and enhanced fan-out differ: which reader reads a shard. */
  private createReader(shardId: string, start: ShardPosition): ShardRecordReader {
    const common = {
      streamName: this.o.streamName,
      shardId,
      start,
      maxBuffered: this.o.maxBufferedPerShard ?? 50_000,
      ...(this.o.retry ? { retry: this.o.retry } : {}),
    };
    if (this.consumer && this.subscriber) {
      return new EfoShardReader({
        ...common,
        kinesis: this.subscriber.client,
        consumerArn: this.consumer.consumerArn,
        consumerName: this.consumer.consumerName,
        ...(this.o.subscriptionMs ? { subscriptionMs: this.o.subscriptionMs } : {}),
      });
    }
    return new ShardReader({
      ...common,
      kinesis: this.o.kinesis,
      limit: this.limit,
      idleMs: this.o.idleMs ?? 200,
      maxIdleMs: this.o.maxIdleMs ?? DEFAULT_IDLE_TIME_BETWEEN_READS_MS,
      ...(this.o.caughtUpMs !== undefined ? { caughtUpMs: this.o.caughtUpMs } : {}),
      minCallIntervalMs: this.minCallIntervalMs,
      slots: this.slots,
    });
  }

  private positionFor(shard: Shard, known: Set<string>): ShardPosition | undefined {
    const id = shard.ShardId!;
    const cp = this.checkpoints.get(id);
    if (cp === SHARD_END) return undefined;
    if (cp) return { kind: 'afterSequence', sequenceNumber: cp };
    const start = this.startFor(id);
    const latest = start.kind === 'latest';
    const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    // A closed shard holds nothing "latest": with LATEST it is skipped unless it was being read.
    if (latest && closed) return undefined;
    const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p && known.has(p));
    // A parent must be read to its end first, unless LATEST skipped it (no checkpoint at all).
    const waiting = parents.filter((p) => {
      const pc = this.checkpoints.get(p);
      return pc !== SHARD_END && !(this.startFor(p).kind === 'latest' && !pc);
    });
    if (waiting.length > 0) return undefined;
    // Parents read to their end: the child is read from its start, so nothing in between is skipped.
    if (parents.some((p) => this.checkpoints.get(p) === SHARD_END)) return { kind: 'trimHorizon' };
    return shardStart(start, id);
  }

  private startFor(shardId: string): StartingPosition {
    return this.o.startingPositions?.get(shardId) ?? this.o.startingPosition;
  }

  /** Takes up to `max` buffered records across shards, shard by shard (idle shards cost a check, no copy). */
  poll(max = Number.POSITIVE_INFINITY): KinesisRecord[] {
    const out: KinesisRecord[] = [];
    for (const reader of this.readers.values()) {
      if (out.length >= max) break;
      if (reader.buffered === 0) continue;
      const got = reader.drain(max - out.length);
      for (const r of got) out.push(r);
    }
    return out;
  }

  /**
   * Reads every shard once now (each polling reader's wait cut short) and resolves when those
   * reads have returned, or after `budgetMs`, whichever is first: a batch that starts takes what
   * arrived since the last read instead of waiting for the next poll tick. Fan-out readers are
   * pushed their records and need nothing.
   */
  async refresh(budgetMs: number): Promise<void> {
    const reads: Promise<void>[] = [];
    for (const reader of this.readers.values()) if (reader.readNow) reads.push(reader.readNow());
    if (reads.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([Promise.all(reads), new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Records buffered across shards, not yet handed out by `poll`. */
  buffered(): number {
    let n = 0;
    for (const reader of this.readers.values()) n += reader.buffered;
    return n;
  }

  /** Shards read to their end whose every record has been handed out by `poll`. */
  finishedShards(): string[] {
    const out: string[] = [];
    for (const r of this.readers.values()) if (r.ended && r.buffered === 0) out.push(r.shardId);
    return out;
  }

  /** Tells the source what is now durably checkpointed, so child shards can start. */
  async onCheckpointed(saved: ReadonlyMap<string, string>): Promise<void> {
    let ended = false;
    for (const [shardId, seq] of saved) {
      this.checkpoints.set(shardId, seq);
      if (seq === SHARD_END) {
        ended = true;
        const reader = this.readers.get(shardId);
        if (reader) {
          if (reader instanceof EfoShardReader) this.learnChildren(reader);
          await reader.close();
          this.readers.delete(shardId);
        }
      }
    }
    if (ended) await this.sync();
  }

  /** Adds the children a closed shard's last fan-out event named, so they start without waiting for the next listing. */
  private learnChildren(reader: EfoShardReader): void {
    const known = new Set(this.shards.map((s) => s.ShardId!));
    for (const c of reader.childShards) {
      if (!c.ShardId || known.has(c.ShardId)) continue;
      const [parent, adjacent] = c.ParentShards ?? [];
      this.shards.push({
        ShardId: c.ShardId,
        ...(parent ? { ParentShardId: parent } : {}),
        ...(adjacent ? { AdjacentParentShardId: adjacent } : {}),
        HashKeyRange: c.HashKeyRange,
        SequenceNumberRange: { StartingSequenceNumber: undefined },
      });
    }
  }

  /** Shards with a running reader. */
  readingShards(): string[] {
    return [...this.readers.keys()].sort();
  }

  lags(): ShardLag[] {
    return [...this.readers.values()].map((r) => r.lag());
  }

  behindMs(): number {
    const now = Date.now();
    let most = 0;
    for (const r of this.readers.values()) most = Math.max(most, r.behindMs(now));
    return most;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.discovery) clearInterval(this.discovery);
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    if (this.subscriber?.owned) this.subscriber.client.destroy();
  }
}

async function isLoopback(kinesis: KinesisClient): Promise<boolean> {
  const config = kinesis.config as unknown as { isCustomEndpoint?: boolean; endpoint?: () => Promise<{ hostname?: string }> };
  if (!config.isCustomEndpoint || !config.endpoint) return false;
  const { hostname } = await config.endpoint();
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || /^127\./.test(hostname ?? '');
}
