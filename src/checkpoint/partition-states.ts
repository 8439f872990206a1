import { ColumnBatch, type Batch } from '../core/batch.js';
import type { Operator, PartitionedStateHolder } from '../core/operator.js';
import { STATE_BUCKETS, bucketOf } from './keyed-chunks.js';
import { SHARD_END, type CheckpointStore, type KeyedState, type ShardState } from './store.js';

/** Not loaded: a child whose parents have not all ended yet (its state is theirs once they have). */
const NOT_READY = Symbol('not ready');

/**
 * The partitioned holders' state of the partitions this worker processes: loaded from the store
 * when a partition is gained (or first seen), dropped when it is lost or ended, snapshotted per
 * partition with its checkpoint.
 *
 * A partition's state is loaded as of its committed checkpoint. A partition with none that has
 * parents (a child of a split or a merge) starts from its parents' state as of their end: every
 * parent's entries, and for a key present in several parents the entry of the first parent
 * (`ParentShardId` before `AdjacentParentShardId`).
 */
export class PartitionStates {
  /** Partitions loaded (or loading): the checkpoint their state is as of ('' none). */
  private readonly live = new Map<string, Promise<string | typeof NOT_READY>>();
  /** Partitions whose whole state must be written at their next snapshot (inherited, or never committed). */
  private readonly whole = new Set<string>();

  constructor(
    private readonly store: CheckpointStore,
    readonly holders: readonly PartitionedStateHolder[],
    private readonly parentsOf: (partition: string) => readonly string[] = () => [],
  ) {}

  get active(): boolean {
    return this.holders.length > 0;
  }

  /** Partitions whose state is in memory. */
  loaded(): string[] {
    return [...this.live.keys()].sort();
  }

  /**
   * Loads the partitions not loaded yet. Returns, per partition now loaded, the checkpoint its
   * state is exactly as of ('' when it has none of its own): reading must resume after it.
   */
  async ensure(partitions: Iterable<string>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!this.active) return out;
    await Promise.all(
      [...new Set(partitions)].map(async (p) => {
        let pending = this.live.get(p);
        if (!pending) {
          pending = this.fetch(p);
          this.live.set(p, pending);
        }
        let cp: string | typeof NOT_READY;
        try {
          cp = await pending;
        } catch (error) {
          if (this.live.get(p) === pending) this.live.delete(p);
          throw error;
        }
        if (cp === NOT_READY) {
          if (this.live.get(p) === pending) this.live.delete(p);
          return;
        }
        out.set(p, cp);
      }),
    );
    return out;
  }

  private async fetch(partition: string): Promise<string | typeof NOT_READY> {
    const own = await this.store.loadShardState(partition);
    if (own) {
      for (const h of this.holders) h.restorePartition(partition, own.state.get(h.name) ?? []);
      this.whole.delete(partition);
      return own.checkpoint;
    }
    const inherited = new Map<string, Map<string, unknown>>(this.holders.map((h) => [h.name, new Map()]));
    for (const parent of this.parentsOf(partition)) {
      const p = await this.store.loadShardState(parent);
      // A parent not read to its end yet: the child is not read before it is (Kinesis order), so wait.
      if (!p || p.checkpoint !== SHARD_END) return NOT_READY;
      for (const h of this.holders) {
        const into = inherited.get(h.name)!;
        for (const [key, value] of p.state.get(h.name) ?? []) if (!into.has(key)) into.set(key, value);
      }
    }
    for (const h of this.holders) h.restorePartition(partition, inherited.get(h.name)!);
    this.whole.add(partition);
    return '';
  }

  /**
   * Partitions whose snapshot was not committed (the store refused their checkpoint): the changes
   * it carried are written again, with every other key, at their next snapshot.
   */
  uncommitted(partitions: Iterable<string>): void {
    for (const p of partitions) if (this.live.has(p)) this.whole.add(p);
  }

  /** Forgets partitions: their leases moved to another worker, or they ended and were committed. */
  drop(partitions: Iterable<string>, ended = false): void {
    for (const p of partitions) {
      if (!this.live.delete(p)) continue;
      this.whole.delete(p);
      for (const h of this.holders) h.dropPartition(p, ended);
    }
  }

  /** Loaded partitions whose state changed without records of their own (see `dirtyPartitions`). */
  dirty(): string[] {
    const out = new Set<string>();
    for (const h of this.holders) for (const p of h.dirtyPartitions?.() ?? []) if (this.live.has(p)) out.add(p);
    return [...out];
  }

  /** Lets holders whose state is read asynchronously gather the partitions' state before {@link snapshot}. */
  async prepare(partitions: readonly string[]): Promise<void> {
    for (const h of this.holders) await h.prepareSnapshot?.(partitions);
  }

  /**
   * What the snapshot writes of a partition: every bucket holding a key that changed since the
   * last snapshot (all buckets when a holder does not track changes, or the partition was
   * inherited), each with all its keys, read one key at a time as the store writes them.
   */
  snapshot(partition: string): ShardState {
    let buckets: Set<number> | undefined = this.whole.has(partition) ? undefined : new Set();
    for (const h of this.holders) {
      const changed = h.takeChanged?.(partition);
      if (changed === undefined) buckets = undefined;
      else if (buckets) for (const key of changed) buckets.add(bucketOf(key));
    }
    this.whole.delete(partition);
    const out = new Map<number, KeyedState>();
    for (const b of buckets ?? Array.from({ length: STATE_BUCKETS }, (_, i) => i)) {
      const select = (key: string) => bucketOf(key) === b;
      // Re-iterable: each pass asks the holder again (serializing as it goes).
      out.set(b, new Map(this.holders.map((h) => [h.name, { [Symbol.iterator]: () => h.snapshotPartition(partition, select)[Symbol.iterator]() }])));
    }
    return out;
  }

  /**
   * The engine's first operator when holders are partitioned: before any operator sees a
   * partition's records, that partition's state is loaded (sources without leases, whose
   * partitions are not gained through a lease round; a child shard after its parents ended).
   */
  loader(): Operator {
    return {
      name: 'partition-state',
      processBatch: async (batch: Batch): Promise<Batch> => {
        const seen = new Set<string>();
        if (batch instanceof ColumnBatch) {
          const f = batch.fieldIndex('_shard');
          if (f >= 0) for (let k = 0; k < batch.length; k++) seen.add(String(batch.value(f, k) ?? ''));
        } else {
          for (const r of batch.rows) seen.add(String(r._shard ?? ''));
        }
        const missing = [...seen].filter((p) => !this.live.has(p));
        if (missing.length > 0) await this.ensure(missing);
        return batch;
      },
    };
  }
}
