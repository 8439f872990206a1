import { randomUUID } from 'node:crypto';
import type { AwsClients } from '../aws/clients.js';
import { ensureStream } from '../aws/admin.js';
import { DynamoCheckpointStore } from '../checkpoint/dynamodb-store.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { LeaseCoordinator } from '../checkpoint/leases.js';
import type { Field } from '../core/batch.js';
import { partitionedOperators, statefulOperators, type Operator } from '../core/operator.js';
import { PartitionStates } from '../checkpoint/partition-states.js';
import type { Sink } from '../core/sink.js';
import type { PartitionLag, Source } from '../core/source.js';
import { resolveStartingPositions } from '../checkpoint/starting-position.js';
import { SluiceError, invalidOption } from '../errors.js';
import { KinesisStreamSource } from '../kinesis/stream-source.js';
import { parseStartingPosition } from '../kinesis/position.js';
import { kinesisSourceSettings } from '../kinesis/config.js';
import { applyFaults } from '../aws/clients.js';
import { faultRules } from '../aws/faults.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { DeadLetterSink } from '../sinks/deadletter/sink.js';
import { createSink } from '../sinks/registry.js';
import { SqlEngine, sqlLimitsFrom } from '../sql/engine.js';
import { BatchGate } from './batch-gate.js';
import { Checkpointer } from './checkpointer.js';
import { ProcessingTime, systemClock, type Clock } from './clock.js';
import { Decoder, METADATA_FIELDS } from './decode/decoder.js';
import { EngineEventBus } from './events.js';
import { LeaseDriver } from './lease-driver.js';
import { ShardLoadMeter } from './shard-load.js';
import { LATE_SINK, MicroBatch, type BatchOutcome, type DeadLetterWriter } from './micro-batch.js';
import { OutputExecutor } from './outputs/executor.js';
import { volatileCalls } from './outputs/plan.js';
import { parseSql } from '../sql/parse.js';
import { parseDuration, planWindow, type EventTimeOptions, type WindowPlan, type WindowSpec } from './window.js';
import { arrivalTimeSpec, chooseArrivalTime } from './arrival-time.js';
import { EventTimeWindows, WINDOW_FIELDS, checkEventTime } from './event-time/windows.js';
import { queryWindowReadOnly, type WindowQueryLimits, type WindowQueryResult } from './window-query.js';

export interface StreamingQueryOptions {
  config: PipelineConfig;
  /** AWS clients for the default source, sinks, checkpoints and dead letters; not needed when all are given. */
  clients?: AwsClients;
  /** Operators built from `config.operators` (see the operator registry), in order. */
  operators?: Operator[];
  /** Where console sinks print. Default stdout. */
  out?: (text: string) => void;
  /** Identifies this worker in the checkpoint table. Default: a random id. */
  workerId?: string;
  checkpointStore?: CheckpointStore;
  /** Where records come from. Default: the Kinesis stream `config.source.stream`, shared through leases. */
  source?: Source;
  /**
   * How this worker shares partitions with others: a lease coordinator, `true` for one in the
   * checkpoint table (the default for the Kinesis source), `false` for none (the default for a
   * given source).
   */
  leases?: LeaseCoordinator | boolean;
  /** Sinks by output name, instead of those the config describes (tests, benchmarks). */
  sinks?: Record<string, Sink>;
  /** Dead-letter destination instead of the config's table. */
  deadLetters?: DeadLetterWriter;
  /**
   * `manual`: no batch loop; the caller runs each batch with {@link StreamingQuery.step} at the
   * batch times it chooses (deterministic tests, benchmarks of the engine alone). Default `real`.
   */
  clock?: 'real' | 'manual';
  /**
   * The wall and monotonic clocks the batch loop reads (default: the system's; tests inject a
   * stepped wall clock). Batches are scheduled on processing time, which never goes backwards.
   */
  time?: Clock;
  /** After how long a sink write that has not completed is reported (`sink.stalled`). Default 10 s. */
  sinkStallReportMs?: number;
  /**
   * Keep every column of the window in DuckDB, not only those the outputs need, so `queryWindow`
   * (the dashboard's SQL box) sees the whole window. Costs the strings' trip into DuckDB.
   */
  retainWindow?: boolean;
}

/**
 * A running pipeline: the micro-batch loop plus the parts it drives (source, leases, outputs,
 * sinks, checkpoints), each in its own module. Every batch interval it runs one {@link MicroBatch};
 * when it falls behind it starts the next batch at once, each bounded by `maxRecordsPerBatch`, and
 * says so in `batch.end` (`backlog`, `catchingUp`).
 */
export class StreamingQuery {
  readonly events = new EngineEventBus();
  /** Records per second per shard, published in the leases (balance by load). */
  private readonly shardLoad = new ShardLoadMeter(this.events);
  readonly workerId: string;
  /** Totals since start, for status lines and tests. */
  readonly totals = { records: 0, rows: 0, deadLetters: 0, late: 0, batches: 0, written: {} as Record<string, number> };
  private readonly config: PipelineConfig;
  private readonly operators: Operator[];
  private readonly batchIntervalMs: number;
  private plan: WindowPlan;
  private readonly checkpoints: CheckpointStore;
  private readonly source: Source;
  private readonly leaseDriver: LeaseDriver | undefined;
  /** Batches and lease changes, one at a time (see BatchGate). */
  private readonly gate = new BatchGate();
  private readonly deadLetters: (DeadLetterWriter & { init?(): Promise<void>; close?(): Promise<void> }) | undefined;
  private readonly sinks = new Map<string, Sink>();
  private readonly viewFields: Field[];
  private eventTime: EventTimeWindows | undefined;
  private sql: SqlEngine | undefined;
  private executor: OutputExecutor | undefined;
  private batch: MicroBatch | undefined;
  private checkpointer: Checkpointer | undefined;
  private batchId = 0;
  private loop: Promise<void> | undefined;
  private running = false;
  private stopRequested = false;
  private closed = false;
  /** When `stop` began (monotonic): the fence gives up on a lease in doubt two failover times later. */
  private stopStarted = 0;
  private fatal: Error | undefined;
  /** The last batch's write and checkpoint while the loop prepares the next (see {@link run}). */
  private writing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly time: ProcessingTime;
  private readonly failoverMs: number;

  constructor(private readonly options: StreamingQueryOptions) {
    const config = (this.config = options.config);
    this.operators = options.operators ?? [];
    this.batchIntervalMs = parseDuration(config.batchInterval, 'batchInterval');
    this.time = new ProcessingTime(options.time ?? systemClock());
    this.failoverMs = parseDuration(config.lease.failover, 'lease.failover');
    this.plan = planWindow(windowSpec(config), this.batchIntervalMs);
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    const clients = () => {
      if (!options.clients) throw new SluiceError('StreamingQuery needs AWS clients for the parts not given (source, sinks, checkpoints, dead letters)', { domain: 'user', code: 'NoClients' });
      return options.clients;
    };
    this.source = options.source ?? this.kinesisSource(clients());
    const leased = options.leases ?? !options.source;
    this.checkpoints =
      options.checkpointStore ??
      new DynamoCheckpointStore({ dynamodb: clients().dynamodb, appName: config.app, streamName: config.source.stream, workerId: this.workerId, leased: leased !== false });
    if (leased) {
      const failoverMs = this.failoverMs;
      const leases =
        leased instanceof LeaseCoordinator
          ? leased
          : new LeaseCoordinator({
              dynamodb: clients().dynamodb,
              table: config.app,
              streamName: config.source.stream,
              workerId: this.workerId,
              failoverMs,
              balance: config.lease.balance,
              loadMargin: config.lease.loadMargin,
              loadOf: (shard) => this.shardLoad.loadOf(shard),
            });
      this.leaseDriver = new LeaseDriver(leases, this.source, this.events, this.workerId, failoverMs, (e) => this.onSourceError(e));
    }
    this.deadLetters = options.deadLetters ?? (config.deadLetter ? new DeadLetterSink(clients().dynamodb, config.deadLetter.table) : undefined);
    // The view: declared columns, then the columns operators say they add, then the metadata.
    this.viewFields = config.format.columns.map((c) => ({ name: c.name, type: c.type }));
    for (const c of this.operators.flatMap((op) => op.outputColumns ?? [])) if (!this.viewFields.some((f) => f.name === c.name)) this.viewFields.push({ name: c.name, type: c.type });
    this.viewFields.push(...METADATA_FIELDS);
    if (this.plan.eventTime) {
      checkEventTime(this.plan.eventTime, this.viewFields);
      this.viewFields.push(...WINDOW_FIELDS);
      this.eventTime = new EventTimeWindows(this.plan.eventTime);
    }
  }

  /**
   * Runs the processing-time window on arrival time (engine/arrival-time.ts) for `outputs`, each a
   * GROUP BY into a dynamodb sink whose partials are then merged across workers; says so per
   * output (`pipeline.info`). An output the merge cannot key (keyColumns not from the GROUP BY
   * alone, a LIMIT) keeps the pipeline on processing time, with the reason in `kept`.
   */
  private async runOnArrivalTime(outputs: readonly string[], kept: Map<string, string>): Promise<Set<string>> {
    const processing = { plan: this.plan, fields: this.viewFields.length };
    const spec = arrivalTimeSpec(this.plan);
    this.plan = { ...this.plan, eventTime: spec };
    this.viewFields.push(...WINDOW_FIELDS);
    this.eventTime = new EventTimeWindows(spec);
    const merged = new Set(outputs);
    this.executor = await OutputExecutor.create(this.sql!, this.viewFields, this.plan, this.config.view, this.config.outputs, {
      retainWindow: this.options.retainWindow ?? false,
      eventTime: this.eventTime,
      merged,
      latest: merged,
    });
    const unkeyed = this.config.outputs.filter((o) => {
      const plan = merged.has(o.name) ? this.executor!.planOf(o.name) : undefined;
      if (!plan || plan.kind !== 'aggregate' || !plan.merged || o.sink.kind !== 'dynamodb') return false;
      return plan.merged.limited || o.sink.keyColumns.some((k) => !plan.merged!.groupOnly.includes(k));
    });
    if (unkeyed.length > 0) {
      const why = `${unkeyed.map((o) => `output ${o.name}`).join(', ')} cannot be merged per item (a LIMIT, or keyColumns not computed from the GROUP BY alone), so the pipeline stays on processing time`;
      for (const o of outputs) kept.set(o, why);
      this.plan = processing.plan;
      this.viewFields.length = processing.fields;
      this.eventTime = undefined;
      this.executor = await OutputExecutor.create(this.sql!, this.viewFields, this.plan, this.config.view, this.config.outputs, { retainWindow: this.options.retainWindow ?? false });
      return new Set();
    }
    const w = this.plan;
    const shape = w.panes === 1 ? `tumbling ${w.lengthMs} ms` : `sliding ${w.lengthMs} ms every ${w.slideMs} ms`;
    for (const o of outputs) {
      this.events.emit('pipeline.info', {
        message: `output ${o} (sink dynamodb): the processing-time window runs on arrival-time windows (${shape}, on each record's Kinesis arrival time _arrival), so with any number of workers each item is exact: every shard's part is merged in it; each item shows the newest window that has its group`,
      });
    }
    return merged;
  }

  private kinesisSource(clients: AwsClients): Source {
    const src = this.config.source;
    return new KinesisStreamSource({
      kinesis: clients.kinesis,
      streamName: src.stream,
      startingPosition: parseStartingPosition(src.startingPosition),
      limit: src.recordsPerPoll,
      idleMs: parseDuration(src.pollInterval, 'source.pollInterval'),
      // A caught-up shard is read again at half a batch interval, and each batch reads every shard as
      // it starts (refresh below): 256 shards at 4,000 rec/s, 1 s batches, about 500 GetRecords a
      // second instead of 610-710 (docs/benchmarks.md, case=load).
      caughtUpMs: this.batchIntervalMs / 2,
      maxBufferedPerShard: src.maxBufferedPerShard,
      ...kinesisSourceSettings(src, this.config.app), // consumerType, retry, describeShardInterval
      onError: (error) => this.onSourceError(error),
    });
  }

  /** Creates what is missing, restores checkpoints and operator state, and starts reading. */
  async start(): Promise<void> {
    if (this.running) return;
    const { source: src } = this.config;
    // Injected faults for rehearsals (SLUICE_FAULTS or the pipeline's faults block).
    if (this.config.faults && this.options.clients) applyFaults(this.options.clients, faultRules(this.config.faults));
    if (src.createShards && !this.options.source) await ensureStream(this.options.clients!.kinesis, src.stream, src.createShards);
    await this.checkpoints.init();
    for (const o of this.config.outputs) {
      this.sinks.set(o.name, this.options.sinks?.[o.name] ?? (await createSink(o.sink, { clients: this.options.clients, name: o.name, ...(this.options.out ? { out: this.options.out } : {}) })));
    }
    // Late records' own sink, if named, is one more sink: written with the outputs, before the checkpoint.
    const lateSink = this.config.window.kind !== 'none' ? this.config.window.eventTime?.lateSink : undefined;
    if (lateSink) {
      this.sinks.set(LATE_SINK, this.options.sinks?.[LATE_SINK] ?? (await createSink(lateSink, { clients: this.options.clients, name: LATE_SINK, ...(this.options.out ? { out: this.options.out } : {}) })));
    }
    await Promise.all([...[...this.sinks.values()].map((s) => s.init()), this.deadLetters?.init?.()]);
    this.sql = await SqlEngine.create(sqlLimitsFrom(this.config.sql));
    // Event-time aggregates into DynamoDB: per-shard partials the sink merges, exact across workers.
    let merged = new Set(this.eventTime ? this.config.outputs.filter((o) => o.sink.kind === 'dynamodb').map((o) => o.name) : []);
    this.executor = await OutputExecutor.create(this.sql, this.viewFields, this.plan, this.config.view, this.config.outputs, {
      retainWindow: this.options.retainWindow ?? false,
      ...(this.eventTime ? { eventTime: this.eventTime, merged } : {}),
    });
    // Processing-time GROUP BY into dynamodb with leases: on arrival-time windows, exact across workers.
    const arrival = chooseArrivalTime(this.config.outputs, this.plan, (name) => this.executor!.planOf(name), Boolean(this.leaseDriver));
    if (arrival.outputs.length > 0) merged = await this.runOnArrivalTime(arrival.outputs, arrival.kept);
    checkAcrossWorkers(this.config, this.executor, merged, Boolean(this.leaseDriver), (message) => this.events.emit('pipeline.warning', { message }), arrival.kept);
    // Checkpoints first: loading them folds the current snapshot's positions in (and clears the
    // chunks of snapshots that never became current); then the state that goes with them.
    const loaded = await this.checkpoints.load();
    // An output table created now while checkpoints are stored: it was deleted, and the rows written before are gone.
    const positioned = [...loaded.values()].some((c) => c.checkpoint);
    for (const [name, sink] of this.sinks) {
      if (positioned && 'createdAtStart' in sink && sink.createdAtStart === true) {
        const table = (sink as { config?: { table?: string } }).config?.table ?? name;
        this.events.emit('pipeline.warning', {
          message: `output table ${table} did not exist and was created empty, but ${this.config.app} has checkpoints: the records before them are not read again, so rows written to the table before it was deleted are gone; to re-read them, delete the checkpoint table ${this.config.app} (or use another app name) and start with --starting-position trim_horizon (or at_timestamp:<time>)`,
        });
      }
    }
    const holders = statefulOperators(this.operators);
    const snapshot = holders.length > 0 ? await this.checkpoints.loadSnapshot() : undefined;
    for (const h of holders) {
      const state = snapshot ? snapshot.state.get(h.name) : await this.checkpoints.loadState(h.name);
      if (state !== undefined) await h.restore(state);
    }
    // Partitioned state (per shard and key) is loaded per shard as it is gained or first read.
    // The event-time windows' state is per shard too: it moves with the shard's lease.
    const eventTimeState = this.executor.eventTimeState;
    const partitions = new PartitionStates(this.checkpoints, [...partitionedOperators(this.operators), ...(eventTimeState ? [eventTimeState] : [])], (p) => this.source.parentsOf?.(p) ?? []);
    // A counter adds each record once per key and shard, so its output must emit every record's
    // row exactly once, without gaps: an incremental plan (a projection or filter of the view).
    const volatile = new Set((await this.sql.query("SELECT DISTINCT lower(function_name) AS f FROM duckdb_functions() WHERE stability <> 'CONSISTENT'")).map((r) => String(r.f)));
    for (const o of this.config.outputs) {
      if (o.sink.kind !== 'dynamodb-counter') continue;
      // A replay must emit the same rows: nothing that changes between two runs over the same records.
      const calls = volatileCalls(await this.sql.exclusive((c) => parseSql(c, o.sql, `outputs.${o.name}.sql`)), volatile);
      if (calls.length > 0) {
        throw invalidOption(
          `outputs.${o.name}.sql`,
          o.sql,
          `a dynamodb-counter sink relies on a replay emitting the same rows, but ${calls.join(', ')} changes from one run to the next (a replay after a crash would count different records); use the record's own columns, such as an event-time column or _arrival`,
        );
      }
      const kind = this.executor.planOf(o.name)?.kind;
      if (kind !== 'incremental') {
        throw invalidOption(
          `outputs.${o.name}.sql`,
          o.sql,
          `a dynamodb-counter sink counts each record once, so its SQL must return one row per record, every record: a projection or filter of the view (this query is planned as ${kind}: no GROUP BY, LIMIT, DISTINCT, join or window function); the sink does the counting`,
        );
      }
    }
    const checkpointer = (this.checkpointer = new Checkpointer(
      this.checkpoints,
      this.source,
      holders,
      parseDuration(this.config.stateInterval, 'stateInterval'),
      new Map([...loaded].map(([k, c]) => [k, c.checkpoint])),
      partitions,
      this.config.checkpointInterval === undefined ? 0 : parseDuration(this.config.checkpointInterval, 'checkpointInterval'),
    ));
    this.batch = new MicroBatch({
      source: this.source,
      decoder: new Decoder(this.config.format),
      operators: partitions.active ? [partitions.loader(), ...this.operators] : this.operators,
      viewFields: this.viewFields,
      executor: this.executor,
      sinks: this.sinks,
      deadLetters: this.deadLetters,
      checkpointer,
      events: this.events,
      maxRecordsPerBatch: this.config.maxRecordsPerBatch,
      refreshBudgetMs: Math.max(50, this.batchIntervalMs / 2),
      windowMs: this.plan.lengthMs + (this.plan.eventTime?.delayMs ?? 0),
      ...(this.eventTime ? { eventTime: this.eventTime } : {}),
      ...(this.options.sinkStallReportMs ? { stallReportMs: this.options.sinkStallReportMs } : {}),
      ...(this.leaseDriver ? { fence: (shards: readonly string[]) => this.fence(shards), holds: (shard: string) => this.holds(shard, 6) } : {}),
      onLost: (shards) => {
        // Another worker took these leases; it re-reads them from its checkpoint. Stop reading them now.
        this.events.emit('lease.lost', { workerId: this.workerId, shards });
        void this.leaseDriver?.lost(shards);
      },
      onRefused: (shards) => this.leaseDriver?.restart(shards),
    });
    if (this.source instanceof KinesisStreamSource && this.options.clients) {
      // `latest` is the tip at the application's first start, saved at once; later starts read
      // shards with no checkpoint from there, so a restart never skips what came while it was down.
      const clients = this.options.clients;
      this.source.setStartingPositions(
        await resolveStartingPositions({ dynamodb: clients.dynamodb, table: this.config.app, kinesis: clients.kinesis, streamName: src.stream, position: parseStartingPosition(src.startingPosition), checkpoints: loaded }),
      );
    }
    if (this.leaseDriver) {
      await this.source.start(loaded);
      await this.leaseDriver.start(new Map([...loaded].map(([k, c]) => [k, c.checkpoint])), partitions, {
        gate: this.gate,
        reset: (shards, cps) => checkpointer.reset(shards, cps),
        flush: () => this.batch!.flush(this.time.now()),
      });
    } else if (this.source instanceof KinesisStreamSource) {
      await this.source.startUnleased(loaded);
    } else {
      await this.source.start(loaded);
    }
    this.running = true;
    if (this.options.clock !== 'manual') this.loop = this.run();
  }

  /**
   * Runs one micro-batch at `batchTime` (manual clock only) over what the source holds; `final`
   * also fires the window and commits at once, as the last batch of a stop does.
   */
  async step(batchTime: Date, final = false): Promise<void> {
    if (this.options.clock !== 'manual') throw new SluiceError('step() drives a query created with clock: manual', { domain: 'user', code: 'NotManual' });
    if (!this.running) throw new SluiceError('step() before start()', { domain: 'user', code: 'NotStarted' });
    await this.runBatch(batchTime, final);
  }

  /** How each output runs (incremental, top-k, whole window): decided at start from its SQL. */
  outputPlans(): Record<string, string> {
    return Object.fromEntries((this.executor?.outputs ?? []).map((o) => [o.spec.name, o.plan.kind]));
  }

  /** Shards (partitions) this worker is reading now. */
  readingShards(): string[] {
    return this.source.readingPartitions();
  }

  /** Shards whose leases this worker holds. */
  ownedShards(): string[] {
    return this.leaseDriver?.owned() ?? this.source.readingPartitions();
  }

  /**
   * The sink fence: of `shards`, those whose leases this worker holds for at least a third of the
   * failover time more (monotonic clock). A lease in doubt (no round has renewed it lately: the
   * process was frozen, or rounds are slow) is renewed first; the batch waits until each lease is
   * either renewed or known lost, so rows are never dropped for a shard this worker still holds.
   */
  private async fence(shards: readonly string[]): Promise<ReadonlySet<string>> {
    const driver = this.leaseDriver!;
    const margin = this.failoverMs / 3;
    const valid = (s: string) => this.holds(s);
    for (let attempt = 0; ; attempt++) {
      const held = new Set(shards.filter(valid));
      const owned = new Set(driver.owned());
      const doubtful = shards.filter((s) => !held.has(s) && owned.has(s));
      if (doubtful.length === 0) return held;
      // Stopping: rounds may be slow (a loaded machine, a slow DynamoDB: a round that took longer
      // than the failover time leaves its own renewals in doubt), so keep trying for up to two
      // failover times (`sluice run` bounds the stop by --stop-timeout too), then give up.
      if (attempt > 0 && this.closed && performance.now() - this.stopStarted > 2 * this.failoverMs) {
        throw new SluiceError(`stopped while the leases of ${doubtful.join(', ')} could not be renewed; their batch is not written or checkpointed (a restart reads it again)`, {
          domain: 'external',
          retriable: true,
          code: 'LeaseUnconfirmed',
        });
      }
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, margin)));
      await driver.round();
    }
  }

  /**
   * The fence as it stands now: this worker holds `shard`'s lease for at least 1/`part` of the
   * failover time more. A batch's fence wants a third (renewing first when in doubt); a sink's
   * check right before each request a sixth: the batch's fence left it a third when the write
   * began, so only a write slowed (or frozen) by more than a sixth of the failover time is refused.
   */
  private holds(shard: string, part = 3): boolean {
    return this.leaseDriver!.validUntil(shard) - performance.now() > this.failoverMs / part;
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
    // Processing time, not Date.now(): a wall clock stepped back an hour used to make the loop
    // wait that hour (and the window wait for its panes), while leases kept being renewed.
    const now = () => this.time.now();
    // Without state committed with the positions, the next batch reads and processes while this
    // one writes and checkpoints (the gate orders both stages). With such state, a checkpoint must
    // see the state as of its own batch, so batches run one after the other.
    const overlap = !this.checkpointer!.stateful;
    try {
      await this.batches(overlap);
    } finally {
      // Nothing of a batch runs on while the query stops: the last write and checkpoint end first.
      await this.gate.idle();
    }
    await this.writing;
    // Final batch: nothing new from the buffer (a restart reads it again, so a stop under a backlog
    // costs at most the batch in hand); it fires the window and commits what is not yet committed,
    // and sends what arrival-time windows still open hold (see OutputExecutor.unsentOnStop).
    if (this.checkpointer?.hasPending() || (await this.executor?.unsentOnStop())) await this.runBatch(new Date(now()), true, false);
  }

  /**
   * The batch loop, until a stop (or a finite source read to its end). The first batch starts at
   * once (as Spark's processing-time trigger runs batch 0 when the query starts), then one every
   * batch interval; a batch that overran its interval is followed at once. While the source is
   * behind by more than a batch interval (a backlog after a restart, a burst), the next batch also
   * starts as soon as this one has prepared (or the one before it has written, if they have waited
   * that long by then), instead of at the next tick: those records are late
   * already, and waiting out the tick left the sink idle (a 20,000-record backlog on the seed
   * pipeline waited 1 s before its first write). The gate still lets a batch prepare only while the
   * one before it writes, so back-to-back batches are as large as what arrived meanwhile.
   * `catchUp: false` keeps one batch per interval (a rate bound).
   */
  private async batches(overlap: boolean): Promise<void> {
    const now = () => this.time.now();
    let next = now();
    /** The next batch starts before its tick because the source is behind (reported in `batch.end`). */
    let pulled = false;
    while (!this.stopRequested) {
      const wait = next - now();
      let early = false;
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          const wake = () => {
            clearTimeout(t);
            resolve();
          };
          this.wake = wake;
          // The batch in flight wrote: if records have waited a batch interval by now, start at once.
          void this.writing?.then(
            () => {
              if (this.wake !== wake || !this.behind()) return;
              early = true;
              wake();
            },
            () => undefined,
          );
        });
        this.wake = undefined;
      }
      if (this.fatal) throw this.fatal;
      if (this.gate.failure) throw this.gate.failure.error;
      if (this.stopRequested) break;
      const at = now();
      const ahead = early || pulled;
      pulled = false;
      if (early) next = at; // the source is behind: this batch starts now, the ticks from here
      const batchTime = new Date(Math.max(next, at - this.batchIntervalMs));
      next += this.batchIntervalMs;
      if (next < at) next = at; // fell behind: start the next batch at once, do not pile up
      await this.runBatch(batchTime, false, true, overlap, ahead);
      // A finite source (a file) read to its end: stop, which runs the final batch.
      if (this.source.exhausted?.() && this.source.buffered() === 0) this.stopRequested = true;
      else if (this.behind() && now() < next) {
        next = now();
        pulled = true;
      }
    }
  }

  /** Whether records have waited more than a batch interval (`catchUp`; see {@link batches}). */
  private behind(): boolean {
    return this.config.catchUp && (this.source.behindMs?.() ?? 0) > this.batchIntervalMs;
  }

  /**
   * Runs one batch. With `overlap`, returns once the batch has prepared (read and processed) and
   * leaves its write and checkpoint running (`writing`); a failure there stops the loop.
   */
  private async runBatch(batchTime: Date, final: boolean, takeNew = true, overlap = false, early = false): Promise<void> {
    // Leases not renewed for a failover time (the process was frozen, or a round hung) may be
    // another worker's now: find out before reading anything buffered from their shards.
    if (this.leaseDriver && !this.leaseDriver.current()) await this.leaseDriver.round();
    const started = performance.now();
    const batchId = this.batchId++;
    // Through the gate: lease changes (state swapped, positions forgotten) wait for the batch to end.
    // A write that failed stops the loop; no batch after it writes or checkpoints (see BatchGate).
    if (overlap && this.gate.failure) throw this.gate.failure.error;
    const { prepared, done } = this.gate.pipelined(() => this.batch!.prepare(batchId, batchTime, final, takeNew));
    const ended = done.then((o) => this.ended(o, batchId, batchTime, started, early));
    if (!overlap) return ended;
    this.writing = ended;
    ended.catch(() => this.wake?.());
    await prepared;
  }

  /** Counts a batch that ended, and says so (`batch.end`, `shard.lag`). */
  private ended(o: BatchOutcome, batchId: number, batchTime: Date, started: number, early: boolean): void {
    this.totals.records += o.records;
    this.totals.rows += o.rows;
    this.totals.deadLetters += o.deadLetters;
    this.totals.late += o.late;
    this.totals.batches++;
    for (const [name, n] of Object.entries(o.written)) this.totals.written[name] = (this.totals.written[name] ?? 0) + n;
    this.events.emit('batch.end', {
      batchId,
      batchTime,
      records: o.records,
      rows: o.rows,
      deadLetters: o.deadLetters,
      late: o.late,
      ...(this.eventTime ? { watermark: this.eventTime.watermarks.current } : {}),
      fired: o.fired,
      outputs: o.outputs,
      durationMs: performance.now() - started,
      backlog: o.backlog,
      catchingUp: o.records >= this.config.maxRecordsPerBatch && o.backlog > 0,
      ...(early ? { early } : {}),
      byShard: o.byShard,
    });
    // One entry per shard read: built only for someone listening (status line, dashboard, metrics).
    if (this.events.listenerCount('shard.lag') > 0) this.events.emit('shard.lag', { shards: this.source.lags() });
  }

  /** Resolves when the loop ends (after `stop`, or a finite source read to its end), rejects if it failed. */
  async awaitTermination(): Promise<void> {
    await this.loop;
  }

  lags(): PartitionLag[] {
    return this.source.lags();
  }

  /**
   * Runs one SELECT over the current window (the view and `current_batch`), with a row and a time
   * limit; anything else is refused (the dashboard's SQL box). The window holds every column only
   * when the query was created with `retainWindow`; otherwise columns no output needs read as NULL.
   */
  queryWindow(sql: string, limits: WindowQueryLimits): Promise<WindowQueryResult> {
    if (!this.sql || this.closed) return Promise.reject(new SluiceError('the pipeline is not running: no window to query', { domain: 'user', code: 'NotRunning' }));
    return queryWindowReadOnly(this.sql.connection, [this.config.view, 'current_batch'], sql, limits);
  }

  /** Stops reading, processes what was read, writes a final checkpoint, and releases everything. Idempotent. */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopStarted = performance.now();
    this.stopRequested = true;
    this.wake?.();
    await this.leaseDriver?.stop();
    await this.source.close();
    let failure: unknown;
    try {
      await this.loop;
    } catch (error) {
      failure = error;
    } finally {
      // Hand our leases to named workers (or back) at once so others need not wait for the failover time.
      if (!failure) await this.leaseDriver?.handOver(this.config.lease.handoff !== false);
      this.shardLoad.close();
      for (const op of this.operators) await op.onClose?.();
      await Promise.all([...this.sinks.values()].map((s) => s.close()));
      await this.deadLetters?.close?.();
      this.checkpoints.close();
      await this.sql?.close(); // waits for (and interrupts) the running statement before closing DuckDB
      this.running = false;
      this.events.emit('pipeline.stop', { reason });
    }
    if (failure) throw failure;
  }
}

/**
 * Says at start which outputs cannot be exact when several workers share the stream, and refuses
 * a merged output the sink could not merge: aggregates are exact across workers only when the
 * sink merges each shard's partials (event-time GROUP BY into `dynamodb`, see merge.ts).
 */
function checkAcrossWorkers(config: PipelineConfig, executor: OutputExecutor, merged: ReadonlySet<string>, leased: boolean, warn: (message: string) => void, kept: ReadonlyMap<string, string> = new Map()): void {
  for (const o of config.outputs) {
    const plan = executor.planOf(o.name);
    if (!plan || plan.kind === 'incremental' || (plan.kind === 'window' && plan.scope === 'batch')) continue;
    if (plan.kind === 'aggregate' && plan.merged && merged.has(o.name)) {
      const keys = o.sink.kind === 'dynamodb' ? o.sink.keyColumns : [];
      if (plan.merged.limited) {
        throw invalidOption(`outputs.${o.name}.sql`, o.sql, 'a LIMIT picks among the groups of all workers, which no merge per group can do; drop the LIMIT (the table holds every group) or use a console sink');
      }
      const bad = keys.filter((k) => !plan.merged!.groupOnly.includes(k));
      if (bad.length > 0) {
        throw invalidOption(
          `outputs.${o.name}.sink.keyColumns`,
          keys,
          `${bad.join(', ')} ${bad.length > 1 ? 'are not columns' : 'is not a column'} computed from the GROUP BY alone (${plan.merged.groupOnly.join(', ') || 'none'}); the partials of every worker are merged under one item per group, so key the items by the window and the other GROUP BY columns`,
        );
      }
      continue;
    }
    if (!leased) continue;
    if (config.window.kind !== 'none' && config.window.eventTime) {
      warn(
        `output ${o.name} (sink ${o.sink.kind}): an event-time GROUP BY is exact across workers only into a dynamodb sink, which merges each shard's partials; here each worker emits its own shards' part of every window, so with several workers the rows are partial`,
      );
    } else {
      const why = kept.get(o.name);
      warn(
        `output ${o.name} (sink ${o.sink.kind}): a query over a processing-time window sees the records this worker read in that window, so with several workers each emits its own shards' part (a keyed sink keeps the last); ` +
          (why
            ? `it cannot run on arrival-time windows: ${why}`
            : 'a GROUP BY with count/sum/min/max/avg into a dynamodb sink runs on arrival-time windows, exact across workers, when every other output is a projection, a filter or a query over current_batch; or use event time (window.eventTime) into a dynamodb sink'),
      );
    }
  }
}

/** The window spec of a pipeline config, durations parsed. */
export function windowSpec(config: PipelineConfig): WindowSpec {
  const w = config.window;
  if (w.kind === 'none') return w;
  const e = w.eventTime;
  const eventTime: EventTimeOptions | undefined = e && {
    column: e.column,
    delayMs: parseDuration(e.watermark, 'window.eventTime.watermark', { allowZero: true }),
    idleMs: parseDuration(e.idleTimeout, 'window.eventTime.idleTimeout'),
    mode: e.outputMode,
  };
  if (w.kind === 'tumbling') return { kind: 'tumbling', lengthMs: parseDuration(w.length, 'window.length'), ...(eventTime ? { eventTime } : {}) };
  return {
    kind: 'sliding',
    lengthMs: parseDuration(w.length, 'window.length'),
    ...(w.slide !== undefined ? { slideMs: parseDuration(w.slide, 'window.slide') } : {}),
    ...(eventTime ? { eventTime } : {}),
  };
}
