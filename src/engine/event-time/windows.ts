import { ColumnBatch, type Field } from '../../core/batch.js';
import { rowDeadLetter, type DeadLetter } from '../../core/dead-letter.js';
import { invalidOption } from '../../errors.js';
import { Watermarks } from './watermark.js';

/**
 * Event-time windows (Spark's `window(col, length, slide)` with `withWatermark(col, delay)`): a
 * record belongs to the windows its own timestamp falls in, not to the batch that read it. Each
 * row gets `window_start` and `window_end` (its newest window: for tumbling windows, its only
 * one); aggregates over a sliding window see one row per window the record falls in.
 */
export interface EventTimeSpec {
  /** The view field holding each record's event time (timestamp, or epoch ms in a number), or `_arrival`. */
  column: string;
  /** How far behind its shard's newest event a record may be and still count. */
  delayMs: number;
  /** A shard with no records for this long stops holding the watermark back. */
  idleMs: number;
  /** `append`: a window is emitted once, when the watermark passes its end. `update`: each batch emits the groups it changed. */
  mode: 'append' | 'update';
  lengthMs: number;
  slideMs: number;
  /**
   * Arrival time run in place of a processing-time window (see engine/arrival-time.ts): a record's
   * time is never before its shard's newest (Kinesis' ApproximateArrivalTimestamp is meant to grow
   * along a shard; a step back is read as the newest), so no record is late and each shard's
   * watermark only moves forward with its own records: what a replay repeats.
   */
  monotone?: boolean;
}

export const WINDOW_FIELDS: readonly Field[] = [
  { name: 'window_start', type: 'timestamp' },
  { name: 'window_end', type: 'timestamp' },
];

const EVENT_TIME_TYPES = new Set(['timestamp', 'long', 'int', 'double']);

/** Checks the spec against the view's fields: the column exists and holds times, the window columns are free. */
export function checkEventTime(spec: EventTimeSpec, fields: readonly Field[]): void {
  const f = fields.find((x) => x.name === spec.column);
  if (!f) {
    throw invalidOption('window.eventTime.column', spec.column, `name a column of the view (${fields.map((x) => x.name).join(', ')}), or _arrival for the records' arrival time`);
  }
  if (!EVENT_TIME_TYPES.has(f.type)) {
    throw invalidOption('window.eventTime.column', spec.column, `column ${spec.column} is a ${f.type}; declare it as a timestamp (or a number of epoch milliseconds)`);
  }
  for (const w of WINDOW_FIELDS) {
    if (fields.some((x) => x.name === w.name)) {
      throw invalidOption('format.columns', w.name, `${w.name} names each row's event-time window; rename the input column`);
    }
  }
}

export interface AdmitResult {
  /** On-time rows with `window_start` and `window_end`. */
  batch: ColumnBatch;
  letters: DeadLetter[];
  late: number;
  /** With `lateRows: 'batch'`: the late rows, with a `late_reason` column (else they are among the letters). */
  lateBatch?: ColumnBatch;
}

export const LATE_REASON_FIELD: Field = { name: 'late_reason', type: 'string' };

/** The event-time state of a pipeline: watermarks, and the windows still open. */
export class EventTimeWindows {
  readonly watermarks: Watermarks;
  /** Ends (epoch ms) of windows that hold rows and have not closed. */
  private readonly open = new Set<number>();
  /** Shards whose state changed since their last snapshot (records taken in, windows closed). */
  readonly dirty = new Set<string>();
  /** Whether a batch has been taken in (restored watermarks no longer move the pipeline's). */
  started = false;

  constructor(readonly spec: EventTimeSpec) {
    this.watermarks = new Watermarks(spec.delayMs, spec.idleMs, spec.monotone ?? false);
  }

  get panes(): number {
    return this.spec.lengthMs / this.spec.slideMs;
  }

  /**
   * Sends late rows (and rows without an event time) to dead letters and gives the others their
   * window: what every output sees.
   */
  admit(batch: ColumnBatch, nowMs: number, lateRows: 'letters' | 'batch' = 'letters'): AdmitResult {
    const s = this.spec;
    const col = batch.fieldIndex(s.column);
    const times = new Float64Array(batch.length);
    const column = batch.columns[col]!;
    const values = column.values as Float64Array | Int32Array;
    for (let k = 0; k < batch.length; k++) {
      const p = batch.physical(k);
      times[k] = column.valid && column.valid[p] === 0 ? Number.NaN : values[p]!;
    }
    const { kept, late, missing, touched } = this.watermarks.admit(batch, times, nowMs);
    this.started = true;
    for (const shard of touched) this.dirty.add(shard);
    const letters: DeadLetter[] = [];
    const reasons: string[] = [];
    for (const l of late) {
      const reason =
        `late: event time ${iso(l.eventTime)} in ${s.column} is before the watermark ${iso(l.watermark)} ` +
        `(newest event time read from shard ${l.shard} minus the delay of ${s.delayMs} ms); its window has closed or will not wait for it; ` +
        'fix: raise window.eventTime.watermark to accept records this late';
      if (lateRows === 'letters') letters.push(rowDeadLetter(batch.row(l.row), 'watermark', reason));
      else reasons.push(reason);
    }
    let lateBatch: ColumnBatch | undefined;
    if (lateRows === 'batch' && late.length > 0) {
      const picked = batch.select(Int32Array.from(late, (l) => l.row));
      // The reason column is indexed by physical row, as every column of the batch.
      const column: (string | null)[] = new Array<string | null>(picked.size).fill(null);
      for (let k = 0; k < picked.length; k++) column[picked.physical(k)] = reasons[k]!;
      lateBatch = picked.withColumns([{ field: LATE_REASON_FIELD, column: { values: column } }]);
    }
    for (const k of missing) {
      letters.push(
        rowDeadLetter(batch.row(k), 'watermark', `field ${s.column} (the event time) is null or not a time: ${JSON.stringify(batch.row(k)[s.column] ?? null)}; fix: send it in every record, or use eventTime.column: _arrival`),
      );
    }
    const on = kept.length === batch.length ? batch : batch.select(kept);
    const starts = new Float64Array(on.size);
    const ends = new Float64Array(on.size);
    for (let k = 0; k < on.length; k++) {
      const t = times[kept[k]!]!;
      const p = on.physical(k);
      const start = Math.floor(t / s.slideMs) * s.slideMs;
      starts[p] = start;
      ends[p] = start + s.lengthMs;
      // Every window the record falls in is open now (for sliding windows, the earlier ones too).
      for (let j = 0; j < this.panes; j++) this.open.add(start + s.lengthMs - j * s.slideMs);
    }
    const out = on.withColumns([
      { field: WINDOW_FIELDS[0]!, column: { values: starts } },
      { field: WINDOW_FIELDS[1]!, column: { values: ends } },
    ]);
    return { batch: out, letters, late: late.length, ...(lateBatch ? { lateBatch } : {}) };
  }

  /** Moves the watermark after a batch; `endOfInput` closes every window. */
  advance(nowMs: number, reading: readonly string[], endOfInput: boolean): number {
    return endOfInput ? this.watermarks.finish() : this.watermarks.advance(nowMs, reading);
  }

  /** Whether some open window ends at or before the watermark. */
  hasClosed(): boolean {
    const w = this.watermarks.current;
    for (const end of this.open) if (end <= w) return true;
    return false;
  }

  /** Forgets the windows the watermark has passed (their rows were emitted and dropped). */
  forgetClosed(): void {
    const w = this.watermarks.current;
    for (const end of this.open) if (end <= w) this.open.delete(end);
  }

  get openWindows(): number {
    return this.open.size;
  }

  /** Notes windows that hold rows again (restored state). */
  reopen(ends: Iterable<number>): void {
    for (const e of ends) this.open.add(e);
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
