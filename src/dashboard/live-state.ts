import { awsEvents } from '../aws/aws-events.js';
import type { EngineEventBus } from '../engine/events.js';
import type { ShardLag } from '../kinesis/shard-reader.js';
import { plainRow } from './http.js';

/** One micro-batch as the Streaming section plots it (Spark's streaming tab columns). */
export interface BatchPoint {
  batchId: number;
  /** When the batch was due, epoch ms. */
  t: number;
  records: number;
  rows: number;
  deadLetters: number;
  /** Records later than the watermark allowed (event-time windows; also among the dead letters). */
  late: number;
  /** The event-time watermark after the batch, epoch ms; null before any record or without event time. */
  watermark: number | null;
  fired: boolean;
  outputs: Record<string, number>;
  processingMs: number;
  /** From due time to processing start. */
  schedulingDelayMs: number;
  /** Scheduling delay plus processing time (Spark's "total delay"). */
  totalDelayMs: number;
}

export interface OutputResult {
  output: string;
  batchId: number;
  at: number;
  columns: string[];
  /** The first rows only (see `rowCount`). */
  rows: Record<string, unknown>[];
  rowCount: number;
}

export interface DeadLetterNote {
  at: number;
  written: number;
  reasons: string[];
}

export interface AwsRetryCount {
  service: string;
  operation: string;
  shardId: string | null;
  retries: number;
  throttles: number;
}

/** What the page receives: a snapshot first, then one message per event. */
export type LiveMessage =
  | { type: 'batch'; batch: BatchPoint }
  | { type: 'output'; result: OutputResult }
  | { type: 'lag'; shards: ShardLag[] }
  | { type: 'deadletter'; note: DeadLetterNote }
  | { type: 'aws'; counts: AwsRetryCount[] }
  | { type: 'error'; at: number; message: string }
  | { type: 'stop'; reason: string };

const HISTORY_MS = 10 * 60_000;
const OUTPUT_ROWS_KEPT = 50;

/**
 * The last ten minutes of a pipeline as the dashboard shows it, built from the engine's events
 * only. Listeners get each change as a {@link LiveMessage}.
 */
export class LiveState {
  readonly batches: BatchPoint[] = [];
  readonly outputs = new Map<string, OutputResult>();
  readonly deadLetters: DeadLetterNote[] = [];
  lags: ShardLag[] = [];
  private readonly aws = new Map<string, AwsRetryCount>();
  readonly errors: { at: number; message: string }[] = [];
  stopped: string | undefined;
  private readonly listeners = new Set<(m: LiveMessage) => void>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(events: EngineEventBus, private readonly now: () => number = Date.now) {
    this.unsubscribe.push(
      events.on('batch.end', (b) => {
        const end = this.now();
        const t = b.batchTime.getTime();
        const schedulingDelayMs = Math.max(0, end - b.durationMs - t);
        const point: BatchPoint = {
          batchId: b.batchId,
          t,
          records: b.records,
          rows: b.rows,
          deadLetters: b.deadLetters,
          late: b.late,
          watermark: b.watermark !== undefined && Number.isFinite(b.watermark) ? b.watermark : null,
          fired: b.fired,
          outputs: b.outputs,
          processingMs: b.durationMs,
          schedulingDelayMs,
          totalDelayMs: schedulingDelayMs + b.durationMs,
        };
        this.batches.push(point);
        while (this.batches.length > 0 && this.batches[0]!.t < end - HISTORY_MS) this.batches.shift();
        this.publish({ type: 'batch', batch: point });
      }),
      events.on('output.rows', (o) => {
        const result: OutputResult = {
          output: o.output,
          batchId: o.batchId,
          at: this.now(),
          columns: o.columns,
          rows: o.rows.slice(0, OUTPUT_ROWS_KEPT).map(plainRow),
          rowCount: o.rows.length,
        };
        this.outputs.set(o.output, result);
        this.publish({ type: 'output', result });
      }),
      events.on('shard.lag', (l) => {
        this.lags = l.shards;
        this.publish({ type: 'lag', shards: l.shards });
      }),
      events.on('deadletter.flush', (d) => {
        const note = { at: this.now(), written: d.written, reasons: d.reasons };
        this.deadLetters.push(note);
        while (this.deadLetters.length > 0 && this.deadLetters[0]!.at < note.at - HISTORY_MS) this.deadLetters.shift();
        this.publish({ type: 'deadletter', note });
      }),
      events.on('sink.stalled', (s) => {
        const error = { at: this.now(), message: `sink ${s.sink} has not completed a write for ${s.seconds} s (batch ${s.batchId} and its checkpoint wait for it)` };
        this.errors.push(error);
        if (this.errors.length > 50) this.errors.shift();
        this.publish({ type: 'error', ...error });
      }),
      events.on('consumer.error', (e) => {
        const error = { at: this.now(), message: e.error.message };
        this.errors.push(error);
        if (this.errors.length > 50) this.errors.shift();
        this.publish({ type: 'error', ...error });
      }),
      events.on('pipeline.stop', (s) => {
        this.stopped = s.reason;
        this.publish({ type: 'stop', reason: s.reason });
      }),
      awsEvents.on('aws.retry', (a) => {
        const key = `${a.service}|${a.operation}|${a.shardId ?? ''}`;
        const c = this.aws.get(key) ?? { service: a.service, operation: a.operation, shardId: a.shardId ?? null, retries: 0, throttles: 0 };
        c.retries++;
        if (a.throttled) c.throttles++;
        this.aws.set(key, c);
        this.publish({ type: 'aws', counts: this.awsCounts() });
      }),
    );
  }

  awsCounts(): AwsRetryCount[] {
    return [...this.aws.values()].map((c) => ({ ...c }));
  }

  /** Everything the page needs to draw itself before the first live message. */
  snapshot() {
    return {
      batches: this.batches,
      outputs: [...this.outputs.values()],
      deadLetters: this.deadLetters,
      lags: this.lags,
      aws: this.awsCounts(),
      errors: this.errors,
      stopped: this.stopped ?? null,
    };
  }

  subscribe(listener: (m: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(m: LiveMessage): void {
    for (const l of this.listeners) l(m);
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.listeners.clear();
  }
}
