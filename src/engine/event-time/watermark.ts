import type { ColumnBatch } from '../../core/batch.js';

/**
 * Watermarks per shard, combined as Flink combines its sources' (and as Spark's `withWatermark`
 * bounds lateness):
 *
 * - a shard's watermark is the largest event time read from it so far minus the delay;
 * - the pipeline's watermark is the minimum over the shards this worker reads that are not idle;
 *   a shard from which nothing came for the idle timeout (of processing time) stops holding it
 *   back, and a shard read but not yet heard from holds it back until then. When every shard is
 *   idle, the largest shard watermark is used, so the last windows still close;
 * - it never moves backwards.
 *
 * A record is late when its event time is before its own shard's watermark as it stood just
 * before the record: the newest event time read earlier from the same shard minus the delay.
 * Nothing else counts (not the pipeline's watermark, not idle timers, not which worker reads the
 * shard): the rule depends only on the order of records within the shard, which a replay after a
 * crash repeats exactly (the shard's newest event time is saved with its checkpoint), so which
 * records are late is decided by the data alone. A shard that comes back behind the others is
 * judged by its own past, and a late record still counts as hearing from its shard (idle means
 * silent). The pipeline's watermark decides only *when* windows are emitted.
 */
export class Watermarks {
  /**
   * Per shard: newest event time, when it was last heard from, and whether it was gained while
   * running (a lease moved here, a child shard): such a shard is judged by its own watermark only,
   * the pipeline's having been moved by shards it was not among.
   */
  private readonly shards = new Map<string, ShardMark>();
  private watermark = -Infinity;
  /**
   * The highest watermark under which windows have been emitted, on this worker or by the
   * snapshots it restored: windows ending at or before it are done (their partials are dropped on
   * restore, and later rows of them reach projections only). At least the watermark.
   */
  private emitted = -Infinity;

  constructor(
    readonly delayMs: number,
    readonly idleMs: number,
    /** A time before its shard's newest is taken as the newest (written back into `times`): nothing is late. */
    readonly monotone = false,
  ) {}

  /** The pipeline's watermark in epoch ms (-Infinity before any record). */
  get current(): number {
    return this.watermark;
  }

  /** Windows ending at or before this have been emitted (see `emitted`). */
  get emittedUpTo(): number {
    return Math.max(this.emitted, this.watermark);
  }

  /** A shard's watermark, or -Infinity when nothing was read from it. */
  shardWatermark(shard: string): number {
    const s = this.shards.get(shard);
    return s ? s.max - this.delayMs : -Infinity;
  }

  /**
   * Sorts a batch's rows into on-time (kept, in order) and late ones, and moves each shard's
   * maximum over the kept ones. `times` holds each presented row's event time (NaN: none).
   */
  admit(batch: ColumnBatch, times: Float64Array, nowMs: number): { kept: Int32Array; late: LateRow[]; missing: Int32Array; touched: Set<string> } {
    const shardCol = batch.fieldIndex('_shard');
    const shardValues = shardCol >= 0 ? (batch.columns[shardCol]!.values as (string | null)[]) : undefined;
    const seqCol = batch.fieldIndex('_seq');
    const seqValues = seqCol >= 0 ? (batch.columns[seqCol]!.values as (string | null)[]) : undefined;
    const kept = new Int32Array(batch.length);
    const missing: number[] = [];
    const late: LateRow[] = [];
    const touched = new Set<string>();
    let n = 0;
    let lastShard: string | undefined;
    let state: ShardMark | undefined;
    for (let k = 0; k < batch.length; k++) {
      let t = times[k]!;
      const shard = (shardValues ? shardValues[batch.physical(k)] : undefined) ?? '';
      if (shard !== lastShard || !state) {
        lastShard = shard;
        state = this.shards.get(shard);
        if (!state) this.shards.set(shard, (state = { max: -Infinity, lastSeen: nowMs }));
      }
      // The shard's position its state covers (records of a shard come in order).
      const seq = seqValues?.[batch.physical(k)];
      if (seq) state.seq = seq;
      if (Number.isNaN(t)) {
        missing.push(k);
        continue;
      }
      // Heard from, late or not: idle means silent.
      state.lastSeen = nowMs;
      if (this.monotone && t < state.max) times[k] = t = state.max;
      const bound = state.max - this.delayMs;
      if (t < bound) {
        late.push({ row: k, eventTime: t, watermark: bound, shard });
        continue;
      }
      if (t > state.max) state.max = t;
      touched.add(shard);
      kept[n++] = k;
    }
    return { kept: kept.subarray(0, n), late, missing: Int32Array.from(missing), touched };
  }

  /**
   * Recomputes the pipeline's watermark after a batch at `nowMs`, over the shards being read
   * (`reading`): those not idle, or all of them when every one is idle.
   */
  advance(nowMs: number, reading: readonly string[]): number {
    let active = Infinity;
    let any = -Infinity;
    let anyActive = false;
    for (const shard of reading) {
      let s = this.shards.get(shard);
      // A shard read but not heard from: it holds the watermark back until it has been idle.
      if (!s) this.shards.set(shard, (s = { max: -Infinity, lastSeen: nowMs }));
      else if (Number.isNaN(s.lastSeen)) s.lastSeen = nowMs;
      const w = s.max - this.delayMs;
      if (nowMs - s.lastSeen < this.idleMs) {
        anyActive = true;
        if (w < active) active = w;
      }
      if (w > any) any = w;
    }
    let next = anyActive ? active : any;
    // Arrival time, every shard silent for the idle timeout: a record yet to come arrives after
    // now - idle (up to the clocks' skew), so the windows before that close. One that still comes
    // only updates its shard's partial, sent again (nothing is late in monotone mode).
    if (this.monotone && !anyActive && reading.length > 0) next = Math.max(next, nowMs - this.idleMs);
    if (next > this.watermark) this.watermark = next;
    if (this.watermark > this.emitted) this.emitted = this.watermark;
    return this.watermark;
  }

  /** Ends the input (a file read to its end): every window closes. */
  finish(): number {
    this.watermark = this.emitted = Infinity;
    return this.watermark;
  }

  /** A shard's saved state: its newest event time, and the pipeline's watermark when it was saved. */
  shardState(shard: string): SavedShard | undefined {
    const s = this.shards.get(shard);
    if (!s || !Number.isFinite(s.max)) return undefined;
    const emitted = this.emittedUpTo;
    return { max: s.max, watermark: Number.isFinite(emitted) ? emitted : null, ...(s.gained ? { gained: true } : {}), ...(s.seq ? { seq: s.seq } : {}) };
  }

  /** Each shard's own watermark (Infinity for all once the input ended), for shards with state. */
  shardWatermarks(): Map<string, number> {
    const finished = this.watermark === Infinity;
    return new Map([...this.shards].map(([p, s]) => [p, finished ? Infinity : s.max - this.delayMs]));
  }

  /** Each shard's position (sequence number of the last record taken in), where known. */
  positions(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [p, s] of this.shards) if (s.seq) out.set(p, s.seq);
    return out;
  }

  /**
   * Restores one shard (its lease was gained, or the worker started); at start, raises
   * `emittedUpTo` to the watermark saved with it.
   */
  restoreShard(shard: string, state: SavedShard | undefined, started: boolean): void {
    if (!state) {
      if (started) this.shards.set(shard, { max: -Infinity, lastSeen: Number.NaN, gained: true });
      else this.shards.delete(shard);
      return;
    }
    this.shards.set(shard, { max: state.max, lastSeen: Number.NaN, ...(started || state.gained ? { gained: true } : {}), ...(state.seq ? { seq: state.seq } : {}) });
    // What was emitted stays emitted. The watermark itself is recomputed from the shards' restored
    // newest times: shards are committed one by one, so one may be restored from an earlier
    // snapshot than another, and its replayed records must be judged as they were then.
    // Not for a shard gained while running: another worker's emissions are not this one's.
    if (!started && !state.gained && state.watermark !== null && state.watermark > this.emitted) this.emitted = state.watermark;
  }

  /** Forgets a shard (its lease moved to another worker): it no longer holds the watermark back. */
  dropShard(shard: string): void {
    this.shards.delete(shard);
  }
}

export interface LateRow {
  /** Presented row index in the batch. */
  row: number;
  eventTime: number;
  /** The watermark it was compared with. */
  watermark: number;
  shard: string;
}

/** What a snapshot keeps of a shard's watermark. */
export interface SavedShard {
  max: number;
  /** The highest watermark under which windows had been emitted when it was saved. */
  watermark: number | null;
  /** Gained while running: its emissions are not this worker's (see `restoreShard`). */
  gained?: boolean;
  /** The shard's position this state covers: the sequence number of the last record taken in. */
  seq?: string;
}

interface ShardMark {
  max: number;
  lastSeen: number;
  gained?: boolean;
  seq?: string;
}
