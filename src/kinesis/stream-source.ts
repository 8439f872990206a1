import type { ShardCheckpoint } from '../checkpoint/store.js';
import type { PartitionLag, Source, SourceRecord } from '../core/source.js';
import { KinesisSource, type KinesisSourceOptions } from './source.js';

/** A Kinesis stream as a {@link Source}: shards are partitions, sequence numbers positions. */
export class KinesisStreamSource implements Source {
  readonly name: string;
  private readonly inner: KinesisSource;
  private readonly options: KinesisSourceOptions;
  private started = false;

  constructor(options: KinesisSourceOptions) {
    this.name = `kinesis:${options.streamName}`;
    this.options = { ...options };
    this.inner = new KinesisSource(this.options);
  }

  /** Per-shard starting positions resolved at start (see checkpoint/starting-position.ts); before `start`. */
  setStartingPositions(positions: NonNullable<KinesisSourceOptions['startingPositions']>): void {
    this.options.startingPositions = positions;
  }

  async start(checkpoints: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {
    // With leases, nothing is read until the first round assigns shards.
    if (!this.started) await this.inner.assign(new Set(), new Map());
    this.started = true;
    await this.inner.start(checkpoints);
  }

  /** Reads every shard, without leases (a single worker that owns the whole stream). */
  async startUnleased(checkpoints: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {
    this.started = true;
    await this.inner.start(checkpoints);
  }

  partitionIds(): string[] {
    return this.inner.shardIds();
  }

  parentsOf(partitionId: string): string[] {
    return this.inner.parentsOf(partitionId);
  }

  assign(owned: ReadonlySet<string>, checkpoints: ReadonlyMap<string, string>, restart?: ReadonlySet<string>): Promise<void> {
    return this.inner.assign(owned, checkpoints, restart);
  }

  poll(max: number): SourceRecord[] {
    return this.inner.poll(max);
  }

  refresh(budgetMs: number): Promise<void> {
    return this.inner.refresh(budgetMs);
  }

  buffered(): number {
    return this.inner.buffered();
  }

  behindMs(): number {
    return this.inner.behindMs();
  }

  finishedPartitions(): string[] {
    return this.inner.finishedShards();
  }

  onCommitted(saved: ReadonlyMap<string, string>): Promise<void> {
    return this.inner.onCheckpointed(saved);
  }

  readingPartitions(): string[] {
    return this.inner.readingShards();
  }

  lags(): PartitionLag[] {
    return this.inner.lags();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
