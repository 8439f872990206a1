import { randomUUID } from 'node:crypto';
import type { AwsClients } from '../aws/clients.js';
import { ensureStream } from '../aws/admin.js';
import { DynamoCheckpointStore } from '../checkpoint/dynamodb-store.js';
import { SHARD_END, type CheckpointStore } from '../checkpoint/store.js';
import { LeaseCoordinator } from '../checkpoint/leases.js';
import { resolveStartingPositions } from '../checkpoint/starting-position.js'; // h-rel
import { SluiceError } from '../errors.js';
import { KinesisSource } from '../kinesis/source.js';
import { compareSequence, parseStartingPosition } from '../kinesis/position.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { DeadLetterSink } from '../sinks/deadletter/sink.js';
import { createSink } from '../sinks/registry.js';
import type { Sink } from '../sinks/sink.js';
import { SqlEngine, sqlLimitsFrom } from '../sql/engine.js';
import { Decoder } from './decode/decoder.js';
import type { ColumnSpec } from './decode/schema.js';
import { EngineEventBus } from './events.js';
import type { DeadLetter, Operator, OperatorContext, Row } from './operator.js';
import { parseDuration, planWindow, type WindowPlan, type WindowSpec } from './window.js';
import { WindowTable } from './window-table.js';

export interface StreamingQueryOptions {
  config: PipelineConfig;
  clients: AwsClients;
  /** Operators built from `config.operators` (see the operator registry), in order. */
  operators?: Operator[];
  /** Where console sinks print. Default stdout. */
  out?: (text: string) => void;
  /** Identifies this worker in the checkpoint table. Default: a random id. */
  workerId?: string;
  checkpointStore?: CheckpointStore;
}

interface Output {
  name: string;
  sql: string;
  sink: Sink;
}

/**
 * The micro-batch loop: every batch interval it takes what the shard readers buffered, decodes it,
 * runs the operators, appends to the window table, and when the window fires runs each output's
 * SQL and writes the result to its sink. Only when every sink and the dead-letter table have
 * durably written does it checkpoint the last sequence number of each shard in the batch.
 */
export class StreamingQuery {
  readonly events = new EngineEventBus();
  private readonly config: PipelineConfig;
  private readonly clients: AwsClients;
  private readonly operators: Operator[];
  private readonly batchIntervalMs: number;
  private readonly plan: WindowPlan;
  private readonly decoder: Decoder;
  private readonly checkpoints: CheckpointStore;
  private readonly leases: LeaseCoordinator;
  private leaseTimer: NodeJS.Timeout | undefined;
  private leaseRoundRunning: Promise<void> | undefined;
  private lastLeaseRound = Date.now();
  private readonly failoverMs: number;
  readonly workerId: string;
  private readonly deadLetters: DeadLetterSink | undefined;
  private readonly outputs: Output[];
  private sql: SqlEngine | undefined;
  private window: WindowTable | undefined;
  private source: KinesisSource | undefined;
  /** Last sequence number per shard handed to the window but not yet checkpointed. */
  private readonly pending = new Map<string, string>();
  private readonly pendingEnded = new Set<string>();
  private batchId = 0;
  private lastStateSave = 0;
  private readonly stateIntervalMs: number;
  private loop: Promise<void> | undefined;
  private running = false;
  private stopRequested = false;
  private closed = false;
  private fatal: Error | undefined;
  private wake: (() => void) | undefined;
  /** Totals since start, for status lines and tests. */
  readonly totals = { records: 0, rows: 0, deadLetters: 0, batches: 0, written: {} as Record<string, number> };

  constructor(options: StreamingQueryOptions) {
    this.config = options.config;
    this.clients = options.clients;
    this.operators = options.operators ?? [];
    this.batchIntervalMs = parseDuration(this.config.batchInterval, 'batchInterval');
    this.stateIntervalMs = parseDuration(this.config.stateInterval, 'stateInterval');
    this.plan = planWindow(this.windowSpec(), this.batchIntervalMs);
    this.decoder = new Decoder(this.config.format);
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.checkpoints =
      options.checkpointStore ??
      new DynamoCheckpointStore({
        dynamodb: this.clients.dynamodb,
        appName: this.config.app,
        streamName: this.config.source.stream,
        workerId: this.workerId,
      });
    this.leases = new LeaseCoordinator({
      dynamodb: this.clients.dynamodb,
      table: this.config.app,
      streamName: this.config.source.stream,
      workerId: this.workerId,
      failoverMs: (this.failoverMs = parseDuration(this.config.lease.failover, 'lease.failover')),
    });
    this.deadLetters = this.config.deadLetter ? new DeadLetterSink(this.clients.dynamodb, this.config.deadLetter.table) : undefined;
    this.outputs = this.config.outputs.map((o) => ({ name: o.name, sql: o.sql, sink: createSink(o.sink, this.clients, o.name, options.out) }));
  }

  private windowSpec(): WindowSpec {
    const w = this.config.window;
    if (w.kind === 'none') return w;
    if (w.kind === 'tumbling') return { kind: 'tumbling', lengthMs: parseDuration(w.length, 'window.length') };
    return {
      kind: 'sliding',
      lengthMs: parseDuration(w.length, 'window.length'),
      ...(w.slide !== undefined ? { slideMs: parseDuration(w.slide, 'window.slide') } : {}),
    };
  }

  /** Creates what is missing, restores checkpoints and operator state, and starts reading. */
  async start(): Promise<void> {
    if (this.running) return;
    const { source: src } = this.config;
    const startingPosition = parseStartingPosition(src.startingPosition);
    if (src.createShards) await ensureStream(this.clients.kinesis, src.stream, src.createShards);
    await this.checkpoints.init();
    await Promise.all([...this.outputs.map((o) => o.sink.init()), this.deadLetters?.init()]);
    for (const op of this.operators) {
      if (!op.restore) continue;
      const state = await this.checkpoints.loadState(op.name);
      if (state !== undefined) await op.restore(state);
    }
    this.sql = await SqlEngine.create(sqlLimitsFrom(this.config.sql)); // h-rel: limits from the pipeline
    // The window table starts with the declared columns plus those the operators say they add.
    const columns: ColumnSpec[] = [...this.config.format.columns];
    for (const c of this.operators.flatMap((op) => op.outputColumns ?? [])) if (!columns.some((d) => d.name === c.name)) columns.push(c);
    this.window = await WindowTable.create(this.sql, columns, this.plan, this.config.view);
    for (const o of this.outputs) await this.sql.validate(o.sql, `outputs.${o.name}.sql`);

    const loaded = await this.checkpoints.load();
    // h-rel: `latest` is the tip at the app's first start, saved at once; later starts read shards with no checkpoint from there.
    const startingPositions = await resolveStartingPositions({ dynamodb: this.clients.dynamodb, table: this.config.app, kinesis: this.clients.kinesis, streamName: src.stream, position: startingPosition, checkpoints: loaded });
    this.source = new KinesisSource({
      kinesis: this.clients.kinesis,
      streamName: src.stream,
      startingPosition,
      startingPositions, // h-rel
      limit: src.recordsPerPoll,
      idleMs: parseDuration(src.pollInterval, 'source.pollInterval'),
      maxBufferedPerShard: src.maxBufferedPerShard,
      onError: (error) => this.onSourceError(error),
    });
    await this.source.assign(new Set(), new Map());
    await this.source.start(loaded);
    await this.leaseRound();
    const every = Math.max(200, Math.floor(this.failoverMs / 3));
    this.leaseTimer = setInterval(() => void this.leaseRound(), every);
    this.leaseTimer.unref();
    this.running = true;
    this.loop = this.run();
  }

  /** Renews, takes and steals leases, then points the source at the shards held. Never overlaps itself. */
  private leaseRound(): Promise<void> {
    this.leaseRoundRunning ??= (async () => {
      try {
        const owned = await this.leases.round(this.source!.shardIds());
        const cps = new Map(this.leases.all().map((l) => [l.shardId, l.checkpoint ?? '']));
        await this.source!.assign(owned, cps);
        this.lastLeaseRound = Date.now();
        this.events.emit('lease.round', { workerId: this.workerId, owned: [...owned].sort() });
      } catch (error) {
        this.onSourceError(error);
        // Could not renew for a whole failover time: others may own our shards now. Stop reading them.
        if (Date.now() - this.lastLeaseRound > this.failoverMs) await this.source!.assign(new Set(), new Map()).catch(() => undefined);
      } finally {
        this.leaseRoundRunning = undefined;
      }
    })();
    return this.leaseRoundRunning;
  }

  /** Shards this worker is reading now. */
  readingShards(): string[] {
    return this.source?.readingShards() ?? [];
  }

  /** Shards whose leases this worker holds. */
  ownedShards(): string[] {
    return [...this.leases.owned()].sort();
  }

  private onSourceError(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.events.emit('consumer.error', { error: e });
    if (error instanceof SluiceError && !error.retriable && error.domain === 'user') {
      this.fatal = e;
      this.wake?.();
    }
  }

  private async run(): Promise<void> {
    let next = Date.now() + this.batchIntervalMs;
    while (!this.stopRequested) {
      const wait = next - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
      if (this.fatal) throw this.fatal;
      if (this.stopRequested) break;
      const batchTime = new Date(next);
      next += this.batchIntervalMs;
      if (next < Date.now()) next = Date.now(); // fell behind: start the next batch at once, do not pile up
      await this.runBatch(batchTime, false);
    }
    // Final batch (h-rel): nothing new from the buffer (a restart reads it again, so a stop under a
    // backlog costs at most the batch in hand); fire the window only if it holds rows not yet checkpointed.
    if (this.pending.size > 0 || this.pendingEnded.size > 0) await this.runBatch(new Date(), true);
  }

  /** One micro-batch. Exposed for tests that drive time themselves. */
  private async runBatch(batchTime: Date, final: boolean): Promise<void> {
    const started = performance.now();
    const source = this.source!;
    const records = final ? [] : source.poll(this.config.maxRecordsPerBatch); // h-rel: a stop takes nothing new
    const finished = source.finishedShards();
    const batchId = this.batchId++;
    const decoded = this.decoder.decode(records);
    const letters: DeadLetter[] = [...decoded.deadLetters];
    const ctx: OperatorContext = { batchId, batchTime, deadLetter: (l) => letters.push(l) };
    let rows: readonly Row[] = decoded.rows;
    for (const op of this.operators) {
      rows = (await op.processBatch({ rows }, ctx)).rows;
      await op.onTick?.(batchTime);
    }
    for (const r of records) {
      const prev = this.pending.get(r.shardId);
      if (!prev || compareSequence(r.sequenceNumber, prev) > 0) this.pending.set(r.shardId, r.sequenceNumber);
    }
    for (const s of finished) this.pendingEnded.add(s);

    const fire = await this.window!.append(rows, batchId, final);
    const outputs: Record<string, number> = {};
    if (fire) {
      // h-rel: allSettled, so a failing output never leaves a sibling query or sink write in flight while the engine closes.
      const settled = await Promise.allSettled(
        this.outputs.map(async (o) => {
          const result = await this.sql!.query(o.sql);
          outputs[o.name] = result.length;
          this.events.emit('output.rows', { output: o.name, batchId, rows: result, columns: result[0] ? Object.keys(result[0]) : [] });
          const t0 = performance.now();
          const w = await o.sink.write(result, batchTime);
          this.totals.written[o.name] = (this.totals.written[o.name] ?? 0) + w.written;
          this.events.emit('sink.flush', {
            sink: o.name,
            written: w.written,
            skipped: w.skipped,
            failed: w.deadLetters.length,
            durationMs: performance.now() - t0,
            ...('config' in o.sink && typeof (o.sink.config as { table?: unknown }).table === 'string' ? { table: (o.sink.config as { table: string }).table } : {}),
          });
          return w;
        }),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected'); // h-rel
      if (failed) throw failed.reason; // h-rel
      const results = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<Sink['write']>>>).value); // h-rel
      for (const w of results) letters.push(...w.deadLetters);
      await this.writeDeadLetters(letters, batchTime);
      await this.checkpoint(batchTime);
    } else {
      // Dead letters are durable before the batch's records can ever be checkpointed.
      await this.writeDeadLetters(letters, batchTime);
    }

    this.totals.records += records.length;
    this.totals.rows += decoded.rows.length;
    this.totals.deadLetters += letters.length;
    this.totals.batches++;
    this.events.emit('batch.end', {
      batchId,
      batchTime,
      records: records.length,
      rows: decoded.rows.length,
      deadLetters: letters.length,
      fired: fire,
      outputs,
      durationMs: performance.now() - started,
    });
    this.events.emit('shard.lag', { shards: source.lags() });
  }

  private async writeDeadLetters(letters: DeadLetter[], batchTime: Date): Promise<void> {
    if (letters.length === 0) return;
    if (!this.deadLetters) {
      throw new SluiceError(
        `${letters.length} records could not be processed and no dead-letter table is configured (first: ${letters[0]!.reason}); fix: set deadLetter.table in the pipeline`,
        { domain: 'user', code: 'NoDeadLetterDestination' },
      );
    }
    const written = await this.deadLetters.write(letters, batchTime);
    this.events.emit('deadletter.flush', { written, reasons: letters.slice(0, 5).map((l) => l.reason) });
  }

  private async checkpoint(batchTime: Date): Promise<void> {
    const now = batchTime.getTime();
    if (this.operators.some((o) => o.onCheckpoint) && now - this.lastStateSave >= this.stateIntervalMs) {
      // State first: a crash between the two replays records into state that has seen them
      // (at-least-once learning), never loses them.
      for (const op of this.operators) if (op.onCheckpoint) await this.checkpoints.saveState(op.name, await op.onCheckpoint());
      this.lastStateSave = now;
    }
    if (this.pending.size === 0 && this.pendingEnded.size === 0) return;
    const save = new Map(this.pending);
    for (const s of this.pendingEnded) save.set(s, SHARD_END);
    const t0 = performance.now();
    const { lost } = await this.checkpoints.save(save);
    this.pending.clear();
    this.pendingEnded.clear();
    for (const shardId of lost) save.delete(shardId);
    await this.source!.onCheckpointed(save);
    if (lost.length > 0) {
      // Another worker took these leases; it re-reads them from its checkpoint. Stop reading them now.
      this.events.emit('lease.lost', { workerId: this.workerId, shards: lost });
      void this.leaseRound();
    }
    this.events.emit('checkpoint.commit', { shards: Object.fromEntries(save), durationMs: performance.now() - t0 });
  }

  /** Resolves when the loop ends (after `stop`), rejects if it failed. */
  async awaitTermination(): Promise<void> {
    await this.loop;
  }

  lags() {
    return this.source?.lags() ?? [];
  }

  /** Stops reading, processes what was read, writes a final checkpoint, and releases everything. Idempotent. */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopRequested = true;
    this.wake?.();
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.leaseRoundRunning;
    await this.source?.close();
    let failure: unknown;
    try {
      await this.loop;
    } catch (error) {
      failure = error;
    } finally {
      // Hand our leases back at once so other workers need not wait for the failover time.
      if (!failure) await this.leases.release().catch(() => undefined);
      for (const op of this.operators) await op.onClose?.();
      await Promise.all(this.outputs.map((o) => o.sink.close()));
      await this.deadLetters?.close();
      this.checkpoints.close();
      await this.sql?.close(); // h-rel: waits for (and interrupts) the running statement before closing DuckDB
      this.running = false;
      this.events.emit('pipeline.stop', { reason });
    }
    if (failure) throw failure;
  }
}
