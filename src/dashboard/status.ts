import type { StreamingQuery } from '../engine/streaming-query.js';
import type { ShardLag } from '../kinesis/shard-reader.js';

interface Sample {
  at: number;
  records: number;
  written: number;
}

/**
 * The live status line: records/s in, rows/s out, per-shard lag, rows written per table,
 * dead letters, and for event-time windows the watermark and the late records. A client of the engine's events only.
 */
export class StatusLine {
  private readonly samples: Sample[] = [];
  private records = 0;
  private written = 0;
  private deadLetters = 0;
  private late = 0;
  private watermark: number | undefined;
  private readonly perTable = new Map<string, number>();
  private lags: ShardLag[] = [];
  private backlog = 0;
  private catchingUp = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** Sinks whose write in flight has not completed, and for how long (s). */
  private readonly stalled = new Map<string, number>();

  constructor(query: StreamingQuery, private readonly windowMs = 5_000) {
    const ev = query.events;
    this.unsubscribe.push(
      ev.on('batch.end', (b) => {
        this.records += b.records;
        this.deadLetters += b.deadLetters;
        this.late += b.late;
        if (b.watermark !== undefined) this.watermark = b.watermark;
        this.backlog = b.backlog;
        this.catchingUp = b.catchingUp;
        const now = Date.now();
        this.samples.push({ at: now, records: this.records, written: this.written });
        while (this.samples.length > 2 && this.samples[0]!.at < now - this.windowMs) this.samples.shift();
      }),
      ev.on('sink.stalled', (s) => void this.stalled.set(s.sink, s.seconds)),
      ev.on('sink.flush', (f) => {
        this.stalled.delete(f.sink);
        if (!f.table) return;
        this.written += f.written;
        this.perTable.set(f.table, (this.perTable.get(f.table) ?? 0) + f.written);
      }),
      ev.on('shard.lag', (l) => {
        this.lags = l.shards;
      }),
    );
  }

  rates(): { inPerSec: number; outPerSec: number } {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at === first.at) return { inPerSec: 0, outPerSec: 0 };
    const secs = (last.at - first.at) / 1000;
    return { inPerSec: (last.records - first.records) / secs, outPerSec: (last.written - first.written) / secs };
  }

  render(): string {
    const { inPerSec, outPerSec } = this.rates();
    const lag = this.lags.map((l) => `${l.shardId.replace('shardId-', '#')} ${fmtMs(Math.max(l.arrivalLagMs, l.millisBehindLatest))}`).join(' ');
    const tables = [...this.perTable].map(([t, n]) => `${t} ${n}`).join(', ');
    const behind = this.catchingUp ? ` | catching up: ${this.backlog} records behind` : '';
    // Event-time pipelines: the watermark, and how many records came later than it allows.
    const wm = this.watermark === undefined ? '' : ` | watermark ${Number.isFinite(this.watermark) ? new Date(this.watermark).toISOString().slice(11, 19) : '-'} | late ${this.late}`;
    const stalled = [...this.stalled].map(([sink, s]) => ` | STALLED: sink ${sink} has not completed a write for ${s} s`).join('');
    return `in ${inPerSec.toFixed(0)} rec/s | out ${outPerSec.toFixed(0)} rows/s | lag ${lag || '-'} | written ${tables || '-'} | dead letters ${this.deadLetters}${wm}${behind}${stalled}`;
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
