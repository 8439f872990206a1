import type { PartitionedStateHolder } from '../../core/operator.js';
import type { EventTimeAggregate } from './aggregate.js';
import type { SavedShard } from './watermark.js';
import type { EventTimeWindows } from './windows.js';

const WATERMARK_KEY = 'watermark';
const outputKey = (name: string) => `output:${name}`;

/**
 * The event-time state of one shard, committed with that shard's checkpoint like keyed operator
 * state (so it moves with the shard's lease): its newest event time (with the pipeline's
 * watermark when it was saved), and each aggregate output's partials of that shard. A child of a
 * split or merge inherits its parents' newest event time, and the first child restored on the
 * worker that read a parent to its end takes over that parent's partials (see `restoreShard`).
 *
 * Partials live in DuckDB, read and written asynchronously, while the holder contract is
 * synchronous: a snapshot reads them first (`prepareSnapshot`), and restores and drops are queued
 * and applied before the next batch's partials are added (`apply`). A shard whose partials went
 * because their window closed is dirty although it read nothing: the checkpointer commits it too
 * (at the same position), so no shard's snapshot keeps partials of a window already emitted.
 */
export class EventTimeState implements PartitionedStateHolder {
  readonly name = '__event_time';
  private readonly queue: (() => Promise<void>)[] = [];
  private prepared = new Map<string, Map<string, string>>();
  private reopen = false;

  constructor(
    private readonly windows: EventTimeWindows,
    private readonly aggregates: readonly EventTimeAggregate[],
  ) {}

  /** Notes the shards whose partials were dropped when their windows closed. */
  changed(shards: Iterable<string>): void {
    for (const s of shards) this.windows.dirty.add(s);
  }

  /** Shards whose state changed since their last snapshot. */
  dirtyPartitions(): string[] {
    return [...this.windows.dirty];
  }

  async prepareSnapshot(partitions: readonly string[]): Promise<void> {
    await this.apply();
    this.prepared = new Map(partitions.map((p) => [p, new Map<string, string>()]));
    for (const agg of this.aggregates) {
      for (const [shard, json] of await agg.snapshot(partitions)) this.prepared.get(shard)?.set(agg.name, json);
    }
  }

  *snapshotPartition(partition: string, select?: (key: string) => boolean): Generator<[string, unknown]> {
    const want = (k: string) => !select || select(k);
    const wm = this.windows.watermarks.shardState(partition);
    if (wm && want(WATERMARK_KEY)) yield [WATERMARK_KEY, wm];
    const rows = this.prepared.get(partition);
    for (const agg of this.aggregates) {
      const json = rows?.get(agg.name);
      if (json !== undefined && want(outputKey(agg.name))) yield [outputKey(agg.name), json];
    }
  }

  takeChanged(partition: string): Iterable<string> {
    if (!this.windows.dirty.delete(partition)) return [];
    return [WATERMARK_KEY, ...this.aggregates.map((a) => outputKey(a.name))];
  }

  restorePartition(partition: string, entries: Iterable<readonly [string, unknown]>): void {
    const saved = new Map(entries);
    this.windows.watermarks.restoreShard(partition, saved.get(WATERMARK_KEY) as SavedShard | undefined, this.windows.started);
    this.windows.dirty.delete(partition);
    for (const agg of this.aggregates) {
      const json = saved.get(outputKey(agg.name));
      this.queue.push(async () => {
        // A parent's partials passed to this child: its next snapshot must hold them.
        if (await agg.restoreShard(partition, typeof json === 'string' ? json : undefined)) this.windows.dirty.add(partition);
      });
    }
    this.reopen = true;
  }

  /**
   * A lost shard's partials go (its new owner restores them). An ended shard's stay until their
   * windows close or its first child restored here takes them over; a merged output has none left
   * by then (they were sent, final, in the batch that read the shard to its end: `emitMerged`).
   */
  dropPartition(partition: string, ended = false): void {
    this.windows.watermarks.dropShard(partition);
    this.windows.dirty.delete(partition);
    if (ended) return;
    for (const agg of this.aggregates) this.queue.push(async () => void (await agg.restoreShard(partition, undefined)));
  }

  /** Applies queued restores and drops, in order (before a batch's partials, and before a snapshot). */
  async apply(): Promise<void> {
    while (this.queue.length > 0) await this.queue.shift()!();
    if (this.reopen) {
      this.reopen = false;
      for (const agg of this.aggregates) {
        // Shards are committed one by one: one restored from an earlier snapshot than another may
        // hold partials of a window the later one's watermark shows was already emitted whole.
        await agg.dropClosed(this.windows.watermarks.emittedUpTo);
        this.windows.reopen(await agg.windowEnds());
      }
    }
  }
}
