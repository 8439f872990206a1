import { SHARD_END, type CheckpointStore } from '../checkpoint/store.js';
import type { Operator } from '../core/operator.js';
import type { Source, SourceRecord } from '../core/source.js';
import { compareSequence } from '../kinesis/position.js';

/**
 * Tracks, per partition, the last position handed to the outputs, and commits those positions
 * (operator state first) once the outputs that saw them are durable.
 */
export class Checkpointer {
  /** Last position per partition taken in but not yet committed. */
  private readonly pending = new Map<string, string>();
  private readonly pendingEnded = new Set<string>();
  private lastStateSave = 0;

  constructor(
    private readonly store: CheckpointStore,
    private readonly source: Source,
    private readonly operators: readonly Operator[],
    private readonly stateIntervalMs: number,
  ) {}

  /** Notes a batch's records and the partitions it read to their end. */
  taken(records: readonly SourceRecord[], finished: readonly string[]): void {
    for (const r of records) {
      const prev = this.pending.get(r.shardId);
      if (!prev || compareSequence(r.sequenceNumber, prev) > 0) this.pending.set(r.shardId, r.sequenceNumber);
    }
    for (const s of finished) this.pendingEnded.add(s);
  }

  /**
   * Saves operator state (at most every state interval) and then every pending position.
   * Returns what was committed and the partitions whose leases were lost meanwhile.
   */
  async commit(batchTimeMs: number): Promise<{ saved: Map<string, string>; lost: string[]; durationMs: number } | undefined> {
    if (this.operators.some((o) => o.onCheckpoint) && batchTimeMs - this.lastStateSave >= this.stateIntervalMs) {
      // State first: a crash between the two replays records into state that has seen them
      // (at-least-once learning), never loses them.
      for (const op of this.operators) if (op.onCheckpoint) await this.store.saveState(op.name, await op.onCheckpoint());
      this.lastStateSave = batchTimeMs;
    }
    if (this.pending.size === 0 && this.pendingEnded.size === 0) return undefined;
    const saved = new Map(this.pending);
    for (const s of this.pendingEnded) saved.set(s, SHARD_END);
    const t0 = performance.now();
    const { lost } = await this.store.save(saved);
    this.pending.clear();
    this.pendingEnded.clear();
    for (const id of lost) saved.delete(id);
    await this.source.onCommitted(saved);
    return { saved, lost, durationMs: performance.now() - t0 };
  }
}
