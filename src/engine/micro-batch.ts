import { ColumnBatch, type Field } from '../core/batch.js';
import type { DeadLetter } from '../core/dead-letter.js';
import type { Operator, OperatorContext } from '../core/operator.js';
import type { PartialMerge, Sink, SinkWriteResult } from '../core/sink.js';
import type { Source, SourceRecord } from '../core/source.js';
import { SluiceError } from '../errors.js';
import type { Checkpointer } from './checkpointer.js';
import type { Decoder } from './decode/decoder.js';
import type { EngineEventBus } from './events.js';
import type { EventTimeWindows } from './event-time/windows.js';
import type { OutputExecutor } from './outputs/executor.js';

/** The sink late records go to when the pipeline names one (`window.eventTime.lateSink`): its name in `sinks` and in events. */
export const LATE_SINK = '__late';

/** Where dead letters go: the dead-letter table, or a test's list. */
export interface DeadLetterWriter {
  write(letters: readonly DeadLetter[], batchTime: Date): Promise<number>;
}

export interface MicroBatchDeps {
  source: Source;
  decoder: Decoder;
  operators: readonly Operator[];
  /** Every field the view has: declared, operator-added, metadata. */
  viewFields: readonly Field[];
  executor: OutputExecutor;
  sinks: ReadonlyMap<string, Sink>;
  deadLetters: DeadLetterWriter | undefined;
  checkpointer: Checkpointer;
  events: EngineEventBus;
  maxRecordsPerBatch: number;
  windowMs: number;
  /** Event-time windows: late records leave here for the dead letters; the others get their window. */
  eventTime?: EventTimeWindows;
  /** Partitions whose leases were lost while committing: another worker re-reads them. */
  onLost?: (partitions: string[]) => void;
  /** Partitions whose checkpoint the store refused although we hold their lease: read them again from the stored one. */
  onRefused?: (partitions: string[]) => void | Promise<void>;
  /**
   * The sink fence: of the given partitions, those whose leases this worker holds with time to
   * spare (renewing them first when in doubt). Records and rows of the others are dropped before
   * any sink sees them, so a worker that was frozen past failover never overwrites what the new
   * owner wrote. Absent without leases.
   */
  fence?: (partitions: readonly string[]) => Promise<ReadonlySet<string>>;
  /**
   * The same fence, as it stands at this moment (no renewal): a sink asks it again right before
   * each request, so a process frozen in the middle of a write sends nothing stale after it resumes.
   */
  holds?: (partition: string) => boolean;
  /** A sink write not done after this long is reported (`sink.stalled`), and again each time as long again. Default 10 s. */
  stallReportMs?: number;
  /** How long a batch waits, as it starts, for the source's reads of what arrived since the last poll (`Source.refresh`). Default 50 ms. */
  refreshBudgetMs?: number;
}

export interface BatchOutcome {
  records: number;
  rows: number;
  deadLetters: number;
  /** Records later than the watermark allows (also among the dead letters). */
  late: number;
  fired: boolean;
  outputs: Record<string, number>;
  written: Record<string, number>;
  /** Records still buffered after this batch took its share. */
  backlog: number;
  byShard: Record<string, { records: number; bytes: number }>;
}

type OutputResults = Awaited<ReturnType<OutputExecutor['process']>>['results'];

/** What a batch's first stage hands its second (see {@link MicroBatch.prepare}). */
interface Prepared {
  batchId: number;
  batchTime: Date;
  final: boolean;
  records: SourceRecord[];
  finished: string[];
  batch: ColumnBatch;
  letters: DeadLetter[];
  late: number;
  lateBatch?: ColumnBatch;
  fired: boolean;
  results: OutputResults;
  /** Records that decoded into rows. */
  rows: number;
  /** Records still buffered when the batch had taken its share. */
  backlog: number;
}

/**
 * One micro-batch: poll the source (at most `maxRecordsPerBatch`), decode into columns, run the
 * operators, run the outputs and write their rows to the sinks in parallel, write dead letters,
 * and commit positions only once all of it is durable.
 */
export class MicroBatch {
  /** Whether the last batch written fired its window (or had none): what it took may be committed. */
  private fired = true;

  constructor(private readonly d: MicroBatchDeps) {}

  /**
   * Commits now what the batches written so far took (with state: a snapshot, as at a clean stop),
   * unless some of it waits in an unfired processing-time window: a lease about to be handed over
   * for balance, whose next owner reads on from here. Call it between batches (through the gate).
   */
  async flush(nowMs: number): Promise<void> {
    if (this.fired && this.d.checkpointer.hasPending()) await this.commit(nowMs, true);
  }

  private async commit(batchTimeMs: number, final: boolean): Promise<void> {
    const d = this.d;
    const c = await d.checkpointer.commit(batchTimeMs, final);
    if (!c) return;
    if (c.lost.length > 0) d.onLost?.(c.lost);
    if (c.refused.size > 0) {
      d.events.emit('checkpoint.refused', { shards: Object.fromEntries(c.refused) });
      void d.onRefused?.([...c.refused.keys()]);
    }
    d.events.emit('checkpoint.commit', { shards: Object.fromEntries(c.saved), durationMs: c.durationMs });
  }

  /**
   * `final` fires the window now and commits (a stop, or a caller that flushes); `takeNew` false
   * takes nothing new from the source (a stop: a restart reads it again, so a stop under a
   * backlog costs at most the batch in hand).
   */
  async run(batchId: number, batchTime: Date, final: boolean, takeNew = true): Promise<BatchOutcome> {
    const write = await this.prepare(batchId, batchTime, final, takeNew);
    return write();
  }

  /**
   * The batch's first stage: takes its records, decodes them and runs the operators and the
   * outputs (every state update, in batch order). Returns the second stage: the fence again, the
   * sink writes, the dead letters and the checkpoint. The caller may prepare the next batch while
   * this one's second stage runs (see `BatchGate.pipelined`), never two second stages at once:
   * positions are noted as taken in the second stage, so a checkpoint covers only batches whose
   * writes are durable.
   */
  async prepare(batchId: number, batchTime: Date, final: boolean, takeNew = true): Promise<() => Promise<BatchOutcome>> {
    const d = this.d;
    // Read what arrived since the last poll tick now, unless a full batch is buffered already.
    if (takeNew && d.source.refresh && d.source.buffered() < d.maxRecordsPerBatch) await d.source.refresh(d.refreshBudgetMs ?? 50);
    let records = takeNew ? d.source.poll(d.maxRecordsPerBatch) : [];
    let finished = d.source.finishedPartitions();
    if (d.fence && records.length > 0) {
      // Records of shards no longer held are someone else's: nothing of them reaches the window or a sink.
      const held = await d.fence(distinctShards(records));
      if (records.some((r) => !held.has(r.shardId))) {
        records = records.filter((r) => held.has(r.shardId));
        finished = finished.filter((s) => held.has(s));
      }
    }
    const decoded = d.decoder.decode(records);
    const letters: DeadLetter[] = [...decoded.deadLetters];
    const ctx: OperatorContext = { batchId, batchTime, deadLetter: (l) => letters.push(l) };
    let batch = decoded.batch;
    for (const op of d.operators) {
      const out = await op.processBatch(batch, ctx);
      batch = out instanceof ColumnBatch ? out : toColumns(op, batch.fields, out.rows);
      await op.onTick?.(batchTime);
    }
    let late = 0;
    let lateBatch: ColumnBatch | undefined;
    if (d.eventTime) {
      const admitted = d.eventTime.admit(batch, batchTime.getTime(), d.sinks.has(LATE_SINK) ? 'batch' : 'letters');
      batch = admitted.batch;
      late = admitted.late;
      letters.push(...admitted.letters);
      if (admitted.lateBatch) lateBatch = admitted.lateBatch;
    }
    if (d.operators.length > 0 || d.eventTime) batch = batch.project(d.viewFields.map((f) => f.name));

    const endOfInput = final && d.source.exhausted?.() === true && d.source.buffered() === 0;
    const { results, fired } = await d.executor.process(batch, batchTime.getTime(), final, { reading: d.source.readingPartitions(), endOfInput, ended: finished });
    const backlog = d.source.buffered();
    const rows = decoded.batch.length;
    return () => this.write({ batchId, batchTime, final, records, finished, batch, letters, late, fired, results, rows, backlog, ...(lateBatch ? { lateBatch } : {}) });
  }

  /** The second stage (see {@link prepare}): fence, sink writes, dead letters, then the checkpoint. */
  private async write(p: Prepared): Promise<BatchOutcome> {
    const d = this.d;
    const { batchId, batchTime, final, records, finished, batch, letters, late, fired, results, lateBatch } = p;
    d.checkpointer.taken(records, finished);
    const outputs: Record<string, number> = {};
    const written: Record<string, number> = {};
    // Late records bound for a sink of their own travel with the outputs: durable before the checkpoint.
    let writes: readonly { name: string; batch: ColumnBatch; emitsOnce: boolean; inputRows?: Int32Array; merge?: PartialMerge; shardOf?: (k: number) => string }[] = lateBatch
      ? [...results, { name: LATE_SINK, batch: lateBatch, emitsOnce: true }]
      : results;
    if (d.fence && records.length > 0) writes = await this.fenced(writes, batch, distinctShards(records), batchId);
    // Shards whose rows a sink left out at send time (their lease too close to its end to send).
    const withheld = new Set<string>();
    // allSettled: a failing output never leaves a sibling's sink write in flight while the engine closes.
    const settled = await Promise.allSettled(
      writes.map(async (r) => {
        outputs[r.name] = r.batch.length;
        if (d.events.listenerCount('output.rows') > 0) {
          const shown = r.batch.length > 100 ? r.batch.select(Int32Array.from({ length: 100 }, (_, i) => i)) : r.batch;
          d.events.emit('output.rows', { output: r.name, batchId, rows: shown.rows, columns: r.batch.fields.map((f) => f.name), total: r.batch.length });
        }
        const sink = d.sinks.get(r.name)!;
        const refused = new Set<string>();
        const { shardOf } = r;
        const holds =
          d.holds && shardOf && !r.merge
            ? (k: number) => {
                const s = shardOf(k);
                if (d.holds!(s)) return true;
                refused.add(s);
                return false;
              }
            : undefined;
        const t0 = performance.now();
        // A sink that does not answer (a frozen DynamoDB) says so, instead of only the SDK's timeouts.
        const watch = setInterval(() => d.events.emit('sink.stalled', { sink: r.name, batchId, seconds: Math.round((performance.now() - t0) / 1000) }), d.stallReportMs ?? 10_000);
        let w: SinkWriteResult;
        try {
          w = await sink.write(r.batch, { batchTime, emitsOnce: r.emitsOnce, retentionMs: d.windowMs, ...(r.merge ? { merge: r.merge } : {}), ...(holds ? { holds } : {}) });
        } finally {
          clearInterval(watch);
        }
        if (w.fenced) {
          for (const s of refused) withheld.add(s);
          d.events.emit('sink.fenced', { batchId, shards: [...refused].sort(), rows: w.fenced });
        }
        written[r.name] = w.written;
        d.events.emit('sink.flush', {
          sink: r.name,
          written: w.written,
          skipped: w.skipped,
          failed: w.deadLetters.length,
          durationMs: performance.now() - t0,
          ...('config' in sink && typeof (sink.config as { table?: unknown }).table === 'string' ? { table: (sink.config as { table: string }).table } : {}),
        });
        return w;
      }),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const r of settled) if (r.status === 'fulfilled') letters.push(...r.value.deadLetters);
    // Dead letters are durable before the batch's records can ever be checkpointed.
    if (letters.length > 0) {
      if (!d.deadLetters) {
        throw new SluiceError(
          `${letters.length} records could not be processed and no dead-letter table is configured (first: ${letters[0]!.reason}); fix: set deadLetter.table in the pipeline`,
          { domain: 'user', code: 'NoDeadLetterDestination' },
        );
      }
      const n = await d.deadLetters.write(letters, batchTime);
      d.events.emit('deadletter.flush', { written: n, reasons: letters.slice(0, 5).map((l) => l.reason) });
    }
    if (withheld.size > 0) {
      // Rows of these shards were not written: their positions must not be committed. Either the
      // lease is gone (its new owner reads them) or it was only close to its end (a late round):
      // then they are read again from the stored checkpoint, and written then.
      d.checkpointer.withhold([...withheld]);
      void d.onRefused?.([...withheld]);
    }
    this.fired = fired;
    if (fired) await this.commit(batchTime.getTime(), final);
    const byShard: Record<string, { records: number; bytes: number }> = {};
    // Records come in runs per shard: one lookup per run.
    let shard: string | undefined;
    let s = { records: 0, bytes: 0 };
    for (const r of records) {
      if (r.shardId !== shard) {
        shard = r.shardId;
        s = byShard[shard] ??= { records: 0, bytes: 0 };
      }
      s.records++;
      s.bytes += r.data.byteLength;
    }
    return { records: records.length, rows: p.rows, deadLetters: letters.length, late, fired, outputs, written, backlog: p.backlog, byShard };
  }

  /**
   * Right before the sink writes, the fence again: the batch may have been slow, or the process
   * frozen, since its records were taken. Rows of shards lost meanwhile are dropped (rows that come
   * from one record each: projections, filters, late records); their checkpoints are refused, and
   * the new owner re-reads them. Results over the whole window cannot be traced to a shard and go on.
   */
  private async fenced<W extends { name: string; batch: ColumnBatch; inputRows?: Int32Array }>(writes: readonly W[], input: ColumnBatch, shards: string[], batchId: number): Promise<(W & { shardOf?: (k: number) => string })[]> {
    const held = await this.d.fence!(shards);
    const lost = shards.filter((s) => !held.has(s));
    const inputShard = shardColumn(input);
    let dropped = 0;
    const out = writes.map((w) => {
      const own = shardColumn(w.batch);
      const shardOf = own ?? (w.inputRows && inputShard ? (k: number) => inputShard(w.inputRows![k]!) : undefined);
      if (!shardOf) return w;
      const keep: number[] = [];
      if (lost.length > 0) for (let k = 0; k < w.batch.length; k++) if (held.has(shardOf(k))) keep.push(k);
      if (lost.length === 0 || keep.length === w.batch.length) return { ...w, shardOf };
      dropped += w.batch.length - keep.length;
      const rows = Int32Array.from(keep);
      const inputRows = w.inputRows ? rows.map((k) => w.inputRows![k]!) : undefined;
      const batch = w.batch.select(rows);
      // The shard of each row of what is left (for the sink's own check right before it sends).
      const ownLeft = shardColumn(batch);
      const leftOf = ownLeft ?? (inputRows && inputShard ? (k: number) => inputShard(inputRows[k]!) : shardOf);
      return { ...w, batch, ...(inputRows ? { inputRows } : {}), shardOf: leftOf };
    });
    if (lost.length > 0) this.d.events.emit('sink.fenced', { batchId, shards: lost, rows: dropped });
    return out;
  }
}

function distinctShards(records: readonly { shardId: string }[]): string[] {
  return [...new Set(records.map((r) => r.shardId))];
}

/** The shard of each row of `batch`, read from its `_shard` column (undefined without one). */
function shardColumn(batch: ColumnBatch): ((k: number) => string) | undefined {
  const i = batch.fieldIndex('_shard');
  return i < 0 ? undefined : (k) => String(batch.value(i, k));
}

/** Turns an operator's rows back into columns: the fields it had, plus those it declares. */
function toColumns(op: Operator, before: readonly Field[], rows: readonly Record<string, unknown>[]): ColumnBatch {
  const fields = [...before];
  for (const c of op.outputColumns ?? []) if (!fields.some((f) => f.name === c.name)) fields.push({ name: c.name, type: c.type });
  const first = rows[0];
  if (first) {
    for (const key of Object.keys(first)) {
      if (!fields.some((f) => f.name === key)) {
        throw new SluiceError(`operator ${op.name} added column ${key} without declaring it; fix: list it in the operator's outputColumns`, { domain: 'internal', code: 'UndeclaredColumn' });
      }
    }
  }
  return ColumnBatch.fromRows(fields, rows);
}
