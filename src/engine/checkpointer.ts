import { crashPoint } from '../checkpoint/crash-points.js';
import type { PartitionStates } from '../checkpoint/partition-states.js';
import { SHARD_END, type CheckpointStore, type ShardState } from '../checkpoint/store.js';
import type { StateHolder } from '../core/operator.js';
import type { Source, SourceRecord } from '../core/source.js';
import { compareSequence } from '../kinesis/position.js';

/**
 * Tracks, per partition, the last position handed to the outputs, and commits those positions
 * once the outputs that saw them are durable.
 *
 * With state holders (stateful operators, event-time windows), positions are committed only with
 * their state, as one snapshot (every `stateInterval`, and on a clean stop): after a crash the
 * state is exactly as of the committed positions, and the records after them are replayed into it once. Between
 * snapshots the sinks keep writing; a replay rewrites the same items. Partitioned holders' state
 * is committed per shard with that shard's checkpoint (only shards with new records are written);
 * whole-state holders' state with the positions of every shard, once per application.
 *
 * Without state, positions are committed after every batch, or at most every `checkpointIntervalMs`
 * when set (each commit writes one item per shard: at 256 shards and one batch a second that is
 * 256 writes a second). A final commit (a clean stop), a {@link flush} (a lease handed over for
 * balance) and a shard read to its end commit at once.
 */
export class Checkpointer {
  /** Last position per partition taken in but not yet committed. */
  private readonly pending = new Map<string, string>();
  private readonly pendingEnded = new Set<string>();
  /** Partitions withheld ({@link withhold}) until their reader restarts ({@link reset}). */
  private readonly withheld = new Set<string>();
  /** Every position committed (or loaded at start): a snapshot covers all partitions, idle ones too. */
  private readonly committed = new Map<string, string>();
  private lastSnapshot: number | undefined;
  /** Batch time of the last commit without state. */
  private lastCommit = -Infinity;

  constructor(
    private readonly store: CheckpointStore,
    private readonly source: Source,
    private readonly holders: readonly StateHolder[],
    private readonly stateIntervalMs: number,
    loaded: ReadonlyMap<string, string> = new Map(),
    private readonly partitions?: PartitionStates,
    /** Without state: commit at most this often (0: every batch). */
    private readonly checkpointIntervalMs = 0,
  ) {
    for (const [k, v] of loaded) if (v) this.committed.set(k, v);
  }

  /** Whether anything was taken in that is not committed yet. */
  hasPending(): boolean {
    return this.pending.size > 0 || this.pendingEnded.size > 0;
  }

  /** Whether positions are committed with state (stateful operators, partitioned or event-time state). */
  get stateful(): boolean {
    return this.holders.length > 0 || (this.partitions?.active ?? false);
  }

  /**
   * Forgets what was taken from partitions whose state was just dropped or loaded again (a lease
   * lost, gained, or restarted from its stored checkpoint): those positions were reached with state
   * that is gone, and committing one with the state loaded now would claim records it never saw.
   * `checkpoints`: where each one still held now resumes (its committed position).
   */
  reset(partitions: readonly string[], checkpoints: ReadonlyMap<string, string>): void {
    for (const p of partitions) {
      this.withheld.delete(p);
      this.pending.delete(p);
      this.pendingEnded.delete(p);
      const at = checkpoints.get(p);
      if (at) this.committed.set(p, at);
      else this.committed.delete(p);
    }
  }

  /**
   * Positions of these partitions are not to be committed: some of what they led to was not
   * written (a sink left their rows out). Until their reader restarts from the stored checkpoint,
   * nothing taken from them is committed.
   */
  withhold(partitions: readonly string[]): void {
    for (const p of partitions) {
      this.pending.delete(p);
      this.pendingEnded.delete(p);
      this.withheld.add(p);
    }
  }

  /** Notes a batch's records and the partitions it read to their end. */
  taken(records: readonly SourceRecord[], finished: readonly string[]): void {
    for (const r of records) {
      if (this.withheld.has(r.shardId)) continue;
      const prev = this.pending.get(r.shardId);
      if (!prev || compareSequence(r.sequenceNumber, prev) > 0) this.pending.set(r.shardId, r.sequenceNumber);
    }
    for (const s of finished) if (!this.withheld.has(s)) this.pendingEnded.add(s);
  }

  /**
   * Commits every pending position (with stateful operators: as a snapshot with their state, at
   * most every state interval, or now when `final`). Returns what was committed, the partitions
   * whose leases were lost meanwhile, and those whose checkpoint the store refused although we
   * hold the lease (another worker checkpointed further while it held it: what we read of them
   * is stale). Neither is kept as committed. Undefined when nothing was committed.
   */
  async commit(batchTimeMs: number, final = false): Promise<{ saved: Map<string, string>; lost: string[]; refused: Map<string, string>; durationMs: number } | undefined> {
    const stateful = this.stateful;
    if (stateful) {
      this.lastSnapshot ??= batchTimeMs;
      if (!final && batchTimeMs - this.lastSnapshot < this.stateIntervalMs) return undefined;
    }
    if (this.pending.size === 0 && this.pendingEnded.size === 0 && !stateful) return undefined;
    // A shard read to its end is committed at once: its children wait for that checkpoint.
    if (!stateful && !final && this.pendingEnded.size === 0 && batchTimeMs - this.lastCommit < this.checkpointIntervalMs) return undefined;
    const saved = new Map(this.pending);
    for (const s of this.pendingEnded) saved.set(s, SHARD_END);
    // Shards whose state changed with no record of their own (closed event-time windows): committed again at their position.
    if (stateful) {
      for (const p of this.partitions?.dirty() ?? []) {
        const at = this.committed.get(p);
        if (!saved.has(p) && at !== undefined && at !== SHARD_END) saved.set(p, at);
      }
    }
    const t0 = performance.now();
    let lost: string[];
    let notWritten: string[];
    if (stateful) {
      const state = new Map<string, unknown>();
      for (const h of this.holders) state.set(h.name, await h.onCheckpoint());
      const positions = new Map([...this.committed, ...saved]);
      let shards: Map<string, ShardState> | undefined;
      if (this.partitions?.active) {
        // Every shard committed now gets its keyed state (loaded first if no record of it reached an operator).
        await this.partitions.ensure(saved.keys());
        await this.partitions.prepare([...saved.keys()]);
        shards = new Map([...saved.keys()].map((s) => [s, this.partitions!.snapshot(s)]));
      }
      const r = await this.store.saveSnapshot(positions, state, shards);
      lost = r.lost;
      notWritten = r.refused ?? [];
      this.partitions?.uncommitted(notWritten);
      this.lastSnapshot = batchTimeMs;
    } else {
      const r = await this.store.save(saved);
      lost = r.lost;
      notWritten = r.refused ?? [];
      this.lastCommit = batchTimeMs;
    }
    this.pending.clear();
    this.pendingEnded.clear();
    const refused = new Map<string, string>();
    for (const id of notWritten) if (!lost.includes(id) && saved.has(id)) refused.set(id, saved.get(id)!);
    for (const [k, v] of saved) this.committed.set(k, v);
    for (const id of [...lost, ...refused.keys()]) {
      saved.delete(id);
      this.committed.delete(id);
    }
    if ([...saved.values()].includes(SHARD_END)) crashPoint('shard-end');
    // Lost shards' state belongs to their new owner; ended shards' state is committed (their children load it from there).
    this.partitions?.drop(lost);
    this.partitions?.drop([...saved].filter(([, seq]) => seq === SHARD_END).map(([s]) => s), true);
    await this.source.onCommitted(saved);
    return { saved, lost, refused, durationMs: performance.now() - t0 };
  }
}
