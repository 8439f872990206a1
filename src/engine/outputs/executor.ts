import { ColumnBatch, type Field } from '../../core/batch.js';
import type { PartialMerge } from '../../core/sink.js';
import { appendBatch, logicalSelect, physicalColumns, readColumns, readRowIndexes } from '../../sql/columnar.js';
import type { SqlEngine } from '../../sql/engine.js';
import { aggregateFunctions, deparseSql, describeSql, parseSql } from '../../sql/parse.js';
import { quoteIdent, sqlTypeOf } from '../../sql/types.js';
import { invalidOption } from '../../errors.js';
import { EventTimeState } from '../event-time/state.js';
import { EventTimeAggregate } from '../event-time/aggregate.js';
import type { EventTimeWindows } from '../event-time/windows.js';
import { closedPane, paneOf, type WindowPlan } from '../window.js';
import { planOutput, type OutputPlan } from './plan.js';

export interface OutputSpec {
  name: string;
  sql: string;
}

export interface OutputResult {
  name: string;
  batch: ColumnBatch;
  /** The output emits each record's row once (incremental), so keyed sinks need not dedupe. */
  emitsOnce: boolean;
  /**
   * For outputs that emit one row per record (incremental): the row of the input batch each output
   * row came from, so a worker can drop the rows of shards it no longer holds (the sink fence).
   */
  inputRows?: Int32Array;
  /** The rows are per-shard partials for the sink to merge (see `PartialMerge`). */
  merge?: PartialMerge;
}

const BATCH_DATA = '__batch_data';
const BATCH_VIEW = '__batch';
/** The batch with one row per event-time window a record falls in (one per record for tumbling windows). */
const BATCH_WINDOWS = '__batch_w';
const WINDOW_EMPTY = '__window_empty';
const candidateView = (i: number) => `__cand_${i}`;
const candidateData = (i: number) => `${candidateView(i)}_data`;
const aggregateView = (i: number) => `__agg_${i}`;
const aggregateData = (i: number) => `${aggregateView(i)}_data`;
const paneTable = (p: number) => `__pane_${p}`;
const eventTimeTables = (i: number) => ({ state: `__et_${i}`, fresh: `__et_${i}_new`, view: aggregateView(i) });

/**
 * Runs every output's SQL on each micro-batch, as planned by {@link planOutput}, and keeps in DuckDB
 * only what the plans need: the current batch's columns that WHERE/ORDER BY/expressions name, each
 * batch's top-k candidates, and, for outputs that need the whole window, one table per pane (slide)
 * holding the columns they name. Evicting a pane drops its table, so memory follows the window.
 *
 * Tables hold columns in their physical types (see `sql/columnar.ts`); views give them their
 * logical types, and present columns no plan needs as typed NULLs, so every query binds against
 * the full schema.
 */
export class OutputExecutor {
  private readonly panes: number[] = [];
  /** Panes that hold partial results (top-k candidates, partial aggregates), oldest first. */
  private readonly candidatePanes: number[] = [];
  /** The pane bound the candidate views filter on (undefined: no filter). */
  private candidateBound: number | undefined;
  private lastFired: number | undefined;
  private batchesSinceFire = 0;
  /** Top-k outputs run in JS: each pane's candidates (a few rows each), by output index. */
  private readonly jsCandidates = new Map<number, { pane: number; batch: ColumnBatch }[]>();
  /** Some output reads the batch table in DuckDB: it is filled each batch. */
  private readonly batchTable: boolean;

  private constructor(
    private readonly sql: SqlEngine,
    private readonly fields: readonly Field[],
    private readonly window: WindowPlan,
    private readonly view: string,
    readonly outputs: readonly { spec: OutputSpec; plan: OutputPlan }[],
    private readonly batchNeeds: readonly string[],
    private readonly windowNeeds: readonly string[],
    private readonly keeps: ReadonlyMap<number, readonly string[]>,
    private readonly retain: boolean,
    private readonly eventTime: EventTimeWindows | undefined,
  ) {
    this.batchTable =
      batchNeeds.length > 0 ||
      retain ||
      outputs.some(({ plan: p }) => (p.kind === 'window' && p.scope === 'batch') || p.kind === 'aggregate' || (p.kind === 'topk' && !p.js) || (p.kind === 'incremental' && p.selectSql !== null && !p.js));
    for (const [i, { plan }] of outputs.entries()) if (plan.kind === 'topk' && plan.js) this.jsCandidates.set(i, []);
  }

  /** Event-time aggregate outputs by output index. */
  private readonly eventAggregates = new Map<number, EventTimeAggregate>();
  private etState: EventTimeState | undefined;

  static async create(
    sql: SqlEngine,
    fields: readonly Field[],
    window: WindowPlan,
    view: string,
    specs: readonly OutputSpec[],
    opts: {
      retainWindow?: boolean;
      eventTime?: EventTimeWindows;
      /** Event-time aggregate outputs whose sink merges per-shard partials across workers (`dynamodb`). */
      merged?: ReadonlySet<string>;
      /**
       * Processing-time GROUP BY outputs run on arrival-time windows (engine/arrival-time.ts):
       * `window_start` is added to their GROUP BY, and their merged items show the newest window.
       */
      latest?: ReadonlySet<string>;
      /** `js: false` runs every output in DuckDB (tests compare it with the JS path). */
      js?: boolean;
    } = {},
  ): Promise<OutputExecutor> {
    const all = new Set(fields.map((f) => f.name));
    const eventTime = opts.eventTime ? { input: BATCH_WINDOWS } : undefined;
    // First every view over the full schema, to check and plan each query against it.
    await defineTables(sql, fields, view, window, all, all);
    for (const s of specs) await sql.validate(s.sql, `outputs.${s.name}.sql`);
    const aggregates = await sql.exclusive((c) => aggregateFunctions(c));
    const planned: { spec: OutputSpec; plan: OutputPlan }[] = [];
    for (const [index, spec] of specs.entries()) {
      const plan = await planOutput(spec.sql, {
        view,
        fields,
        noWindow: !window.windowed,
        aggregates,
        parse: (text) => sql.exclusive((c) => parseSql(c, text, `outputs.${spec.name}.sql`)),
        deparse: (tree) => sql.exclusive((c) => deparseSql(c, tree)),
        describe: (text) => sql.exclusive((c) => describeSql(c, text)),
        tables: { batch: BATCH_VIEW, candidates: candidateView, aggregates: aggregateView },
        ...(eventTime ? { eventTime: { ...eventTime, ...(opts.latest?.has(spec.name) ? { addWindow: true } : {}) } } : {}),
        ...(opts.js === false ? { js: false } : {}),
        index,
      });
      planned.push({ spec, plan });
    }
    // A rewritten query that does not bind against the tables as they are (an ORDER BY naming an
    // output alias, say) runs as written over the whole window instead: slower, never wrong.
    for (;;) {
      if (opts.eventTime) checkEventTimePlans(planned);
      const exec = await OutputExecutor.build(sql, fields, window, view, planned, opts.retainWindow ?? false, opts.eventTime, opts.merged ?? new Set(), opts.latest ?? new Set());
      const failed = await exec.unbound();
      if (failed.length === 0) return exec;
      for (const i of failed) {
        const o = planned[i]!;
        const whole = await planOutput(`SELECT * FROM (${o.spec.sql}) AS whole_window`, {
          view,
          fields,
          noWindow: !window.windowed,
          aggregates,
          parse: (t) => sql.exclusive((c) => parseSql(c, t)),
          deparse: (t) => sql.exclusive((c) => deparseSql(c, t)),
          describe: (t) => sql.exclusive((c) => describeSql(c, t)),
          tables: { batch: BATCH_VIEW, candidates: candidateView, aggregates: aggregateView },
          index: i,
        });
        planned[i] = { spec: o.spec, plan: { kind: 'window', scope: o.plan.scope, sql: o.spec.sql, needs: whole.needs } };
      }
    }
  }

  private static async build(
    sql: SqlEngine,
    fields: readonly Field[],
    window: WindowPlan,
    view: string,
    planned: { spec: OutputSpec; plan: OutputPlan }[],
    retain: boolean,
    eventTime: EventTimeWindows | undefined,
    merged: ReadonlySet<string>,
    latest: ReadonlySet<string>,
  ): Promise<OutputExecutor> {
    const batchNeeds = new Set<string>();
    const windowNeeds = new Set<string>();
    // Retained for ad-hoc queries over the window (the dashboard): every column.
    const panes = window.windowed && !eventTime;
    if (retain) for (const f of fields) (panes ? windowNeeds : batchNeeds).add(f.name);
    const keeps = new Map<number, string[]>();
    planned.forEach(({ plan }, i) => {
      if (plan.kind === 'window') for (const c of plan.needs) (plan.scope === 'batch' ? batchNeeds : windowNeeds).add(c);
      else if (!((plan.kind === 'incremental' || plan.kind === 'topk') && plan.js)) for (const c of plan.needs) batchNeeds.add(c);
      if (plan.kind === 'topk') keeps.set(i, ordered(fields, plan.keeps));
    });
    // Top-k outputs run in JS keep their candidates in JS; their tables exist only so that the
    // plan is checked to bind exactly as the DuckDB one would.
    const duckKeeps = new Map([...keeps].filter(([i]) => !(planned[i]!.plan.kind === 'topk' && (planned[i]!.plan as { js?: unknown }).js)));
    // A window query that names no column (SELECT count(*) ...) still needs the window's rows.
    if (panes && windowNeeds.size === 0 && planned.some(({ plan }) => plan.kind === 'window' && plan.scope === 'window')) windowNeeds.add('_arrival');
    const exec = new OutputExecutor(sql, fields, window, view, planned, ordered(fields, batchNeeds), ordered(fields, windowNeeds), duckKeeps, retain, eventTime);
    await defineTables(sql, fields, view, window, batchNeeds, windowNeeds);
    for (const [i, k] of keeps) await exec.defineCandidates(i, k, undefined, true);
    for (const [i, o] of planned.entries()) {
      if (o.plan.kind !== 'aggregate') continue;
      if (eventTime && window.eventTime && o.plan.windowGroup) {
        const agg = new EventTimeAggregate(sql, o.spec.name, { ...o.plan, windowGroup: o.plan.windowGroup }, window.eventTime, eventTimeTables(i), merged.has(o.spec.name) && o.plan.merged !== undefined, latest.has(o.spec.name));
        await agg.create();
        exec.eventAggregates.set(i, agg);
        continue;
      }
      await sql.run(`CREATE OR REPLACE TABLE ${quoteIdent(aggregateData(i))} AS SELECT CAST(0 AS DOUBLE) AS "__pane", * FROM (${o.plan.partialSql}) LIMIT 0`);
      await sql.run(`CREATE OR REPLACE VIEW ${quoteIdent(aggregateView(i))} AS ${o.plan.combineSql(quoteIdent(aggregateData(i)))}`);
    }
    return exec;
  }

  /** Indexes of outputs whose planned SQL does not bind (the user's own SQL was checked before planning). */
  private async unbound(): Promise<number[]> {
    const failed: number[] = [];
    for (const [i, o] of this.outputs.entries()) {
      const p = o.plan;
      const texts = p.kind === 'incremental' ? [p.selectSql] : p.kind === 'topk' ? [p.candidateSql, p.finalSql] : p.kind === 'aggregate' ? [p.partialSql, p.finalSql] : [];
      for (const t of texts) {
        if (t === null) continue;
        try {
          await this.sql.validate(t, `outputs.${o.spec.name}.sql`);
        } catch (e) {
          if (process.env.SLUICE_DEBUG_PLANS) console.error(`plan of ${o.spec.name} does not bind: ${t}: ${String(e)}`);
          failed.push(i);
          break;
        }
      }
    }
    return failed;
  }

  /** How each output runs, for tests and the docs. */
  planOf(name: string): OutputPlan | undefined {
    return this.outputs.find((o) => o.spec.name === name)?.plan;
  }

  /** True when some output needs the window to fire before its records count as emitted. */
  get hasWindowOutputs(): boolean {
    return this.window.windowed && (this.retain || this.outputs.some((o) => o.plan.kind !== 'incremental' && o.plan.scope === 'window'));
  }

  /** Creates output `i`'s candidate table (`create`), and points its view at the panes up to `closed` (all when undefined). */
  private async defineCandidates(i: number, keeps: readonly string[], closed?: number, create = false): Promise<void> {
    if (create) {
      const keepFields = keeps.map((k) => this.fields.find((f) => f.name === k)!);
      const physical = [physicalColumns(keepFields), '"__pane" DOUBLE'].filter(Boolean).join(', ');
      await this.sql.run(`CREATE OR REPLACE TABLE ${quoteIdent(candidateData(i))} (${physical})`);
    }
    const upTo = closed === undefined ? '' : ` WHERE "__pane" <= ${closed}`;
    await this.sql.run(`CREATE OR REPLACE VIEW ${quoteIdent(candidateView(i))} AS SELECT ${viewColumns(this.fields, new Set(keeps))} FROM ${quoteIdent(candidateData(i))}${upTo}`);
  }

  /**
   * Runs the outputs for one batch taken in at `batchTimeMs`. Returns each output's rows for this
   * batch (incremental outputs every batch; window outputs when the window fires) and whether the
   * window fired (or there is no window output to wait for).
   */
  async process(
    batch: ColumnBatch,
    batchTimeMs: number,
    final: boolean,
    /**
     * Event time: the partitions being read (for the watermark), whether the input ended (every
     * window closes), and the partitions read to their end (their merged partials are final).
     */
    input: { reading?: readonly string[]; endOfInput?: boolean; ended?: readonly string[] } = {},
  ): Promise<{ results: OutputResult[]; fired: boolean }> {
    const results: OutputResult[] = [];
    // Shards restored or dropped since the last batch (lease moves): their partials first.
    await this.etState?.apply();
    if (this.batchTable) {
      await this.sql.run(`CREATE OR REPLACE TABLE ${BATCH_DATA} (${['"__row" INTEGER', physicalColumns(this.batchNeeds.map((n) => this.field(n)))].filter(Boolean).join(', ')})`);
      if (batch.length > 0) await appendBatch(this.sql, BATCH_DATA, batch, this.batchNeeds, { rowIndex: true });
    }
    for (const [i, { spec, plan }] of this.outputs.entries()) {
      if (plan.kind === 'incremental') {
        if (batch.length === 0) continue;
        results.push({ name: spec.name, ...(await this.incremental(batch, plan)), emitsOnce: true });
      } else if (plan.kind === 'topk') {
        if (batch.length === 0) continue;
        if (plan.js) {
          const rows = plan.js.select.run(batch, plan.js.limit);
          if (rows.length === 0) continue;
          const kept = this.fields.filter((f) => plan.keeps.has(f.name));
          const pane = paneOf(this.window, batchTimeMs);
          this.jsCandidates.get(i)!.push({ pane, batch: ColumnBatch.concat(kept, [batch.select(rows)]) });
          continue;
        }
        const rows = await readRowIndexes(this.sql, plan.candidateSql);
        if (rows.length > 0) {
          const pane = paneOf(this.window, batchTimeMs);
          await appendBatch(this.sql, candidateData(i), batch.select(rows), this.keeps.get(i)!, { constants: [{ type: 'double', value: pane }] });
          if (this.candidatePanes[this.candidatePanes.length - 1] !== pane) this.candidatePanes.push(pane);
        }
      } else if (plan.kind === 'aggregate') {
        if (batch.length === 0) continue;
        const et = this.eventAggregates.get(i);
        if (et) {
          await et.add(this.eventTime!.watermarks.emittedUpTo);
          continue;
        }
        const pane = paneOf(this.window, batchTimeMs);
        await this.sql.run(`INSERT INTO ${quoteIdent(aggregateData(i))} SELECT CAST(${pane} AS DOUBLE), * FROM (${plan.partialSql})`);
        if (this.candidatePanes[this.candidatePanes.length - 1] !== pane) this.candidatePanes.push(pane);
      } else if (plan.scope === 'batch') {
        results.push({ name: spec.name, batch: await readColumns(this.sql, plan.sql), emitsOnce: true });
      }
    }
    if (this.eventTime) {
      // Event time: the watermark moves after the batch; closed windows are emitted once (append),
      // or each batch's changed groups (update). The state is in the snapshot, so every batch may commit.
      this.eventTime.advance(batchTimeMs, input.reading ?? [], input.endOfInput ?? false);
      const closed = this.eventTime.hasClosed();
      const marks = this.eventTime.watermarks;
      for (const [i, agg] of this.eventAggregates) {
        // A clean stop's final batch sends an arrival-time output's open windows too (see `unsentOnStop`).
        const due = final && agg.latest ? Infinity : marks.current;
        const { out, dropped } = agg.merged
          ? await agg.emitMerged(due, marks.shardWatermarks(), marks.positions(), input.ended)
          : await agg.emit(marks.current, closed, batch.length > 0);
        this.eventTimeState?.changed(dropped);
        if (out) results.push({ name: this.outputs[i]!.spec.name, batch: out, emitsOnce: false, ...(agg.merged ? { merge: agg } : {}) });
      }
      if (closed) this.eventTime.forgetClosed();
      return { results, fired: true };
    }
    if (!this.hasWindowOutputs) return { results, fired: true };

    const pane = paneOf(this.window, batchTimeMs);
    if (batch.length > 0 && this.windowNeeds.length > 0) {
      if (this.panes[this.panes.length - 1] !== pane) {
        await this.sql.run(`CREATE TABLE IF NOT EXISTS ${paneTable(pane)} AS SELECT * FROM ${WINDOW_EMPTY}`);
        if (!this.panes.includes(pane)) this.panes.push(pane);
      }
      await appendBatch(this.sql, paneTable(pane), batch, this.windowNeeds);
    }
    this.lastFired ??= pane - 1;
    this.batchesSinceFire++;
    const closed = closedPane(this.window, batchTimeMs, final);
    if (!(closed > this.lastFired || (final && this.batchesSinceFire > 0))) return { results, fired: false };
    this.lastFired = Math.max(this.lastFired, closed);
    this.batchesSinceFire = 0;
    await this.evict(closed - this.window.panes);
    for (const list of this.jsCandidates.values()) {
      const live = list.filter((c) => c.pane > closed - this.window.panes);
      list.splice(0, list.length, ...live);
    }
    if (this.windowNeeds.length > 0) await this.defineWindowView(closed);
    // Candidates of a pane still filling wait for its firing; most of the time there are none.
    const bound = this.candidatePanes.some((p) => p > closed) ? closed : undefined;
    if (bound !== this.candidateBound) {
      for (const [i, k] of this.keeps) await this.defineCandidates(i, k, bound);
      for (const [i, o] of this.outputs.entries()) {
        if (o.plan.kind === 'aggregate') await this.sql.run(`CREATE OR REPLACE VIEW ${quoteIdent(aggregateView(i))} AS ${o.plan.combineSql(quoteIdent(aggregateData(i)), bound)}`);
      }
      this.candidateBound = bound;
    }
    for (const [i, { spec, plan }] of this.outputs.entries()) {
      if (plan.kind === 'topk' && plan.js) results.push({ name: spec.name, batch: this.jsTopk(i, plan.js, plan.keeps, closed), emitsOnce: false });
      else if (plan.kind === 'topk' || plan.kind === 'aggregate') results.push({ name: spec.name, batch: await readColumns(this.sql, plan.finalSql), emitsOnce: false });
      else if (plan.kind === 'window' && plan.scope === 'window') results.push({ name: spec.name, batch: await readColumns(this.sql, plan.sql), emitsOnce: false });
      void i;
    }
    return { results, fired: true };
  }

  private field(name: string): Field {
    return this.fields.find((f) => f.name === name)!;
  }

  /** A JS top-k output when the window fires: the same selection over the candidates of the panes up to `closed`. */
  private jsTopk(i: number, js: NonNullable<Extract<OutputPlan, { kind: 'topk' }>['js']>, keeps: ReadonlySet<string>, closed: number): ColumnBatch {
    const kept = this.fields.filter((f) => keeps.has(f.name));
    const live = this.jsCandidates.get(i)!.filter((c) => c.pane <= closed);
    const all = live.length === 1 ? live[0]!.batch : ColumnBatch.concat(kept, live.map((c) => c.batch));
    return rename(all.select(js.select.run(all, js.limit)), js.columns);
  }

  private async incremental(batch: ColumnBatch, plan: Extract<OutputPlan, { kind: 'incremental' }>): Promise<{ batch: ColumnBatch; inputRows: Int32Array }> {
    const passthrough = plan.columns.filter((c): c is { name: string; field: string } => 'field' in c);
    if (plan.selectSql === null) return { batch: rename(batch, plan.columns.map((c) => ('field' in c ? c : { name: c.name, field: '' }))), inputRows: identityRows(batch.length) };
    if (plan.js) {
      const rows = plan.js.run(batch);
      const selected = batch.select(rows);
      const jsComputed = plan.jsComputed;
      if (!jsComputed) return { batch: rename(selected, plan.columns as { name: string; field: string }[]), inputRows: rows };
      // Computed columns are indexed by physical row, as the batch's own: the selection stays as it is.
      const fields: Field[] = [];
      const columns = [];
      for (const c of plan.columns) {
        if ('field' in c) {
          const j = batch.fieldIndex(c.field);
          fields.push({ name: c.name, type: batch.fields[j]!.type });
          columns.push(batch.columns[j]!);
        } else {
          fields.push({ name: c.name, type: jsComputed[c.computed]!.field.type });
          columns.push(jsComputed[c.computed]!.run(batch, rows));
        }
      }
      return { batch: new ColumnBatch(fields, columns, selected.size, selected.selection), inputRows: rows };
    }
    const computedCount = plan.columns.length - passthrough.length;
    if (computedCount === 0) {
      const rows = await readRowIndexes(this.sql, plan.selectSql);
      return { batch: rename(batch.select(rows), plan.columns as { name: string; field: string }[]), inputRows: rows };
    }
    // Computed columns come back in result order: copy the selected pass-through values beside them.
    const computed = await readColumns(this.sql, plan.selectSql);
    const rowIdx = computed.columns[0]!.values as Float64Array | Int32Array;
    const sel = Int32Array.from(rowIdx as ArrayLike<number>);
    const picked = ColumnBatch.concat(
      passthrough.map((p) => batch.fields[batch.fieldIndex(p.field)]!),
      [batch.select(sel)],
    );
    const fields: Field[] = [];
    const columns = [];
    for (const c of plan.columns) {
      if ('field' in c) {
        const j = picked.fieldIndex(c.field);
        fields.push({ name: c.name, type: picked.fields[j]!.type });
        columns.push(picked.columns[j]!);
      } else {
        const j = c.computed + 1;
        fields.push({ name: c.name, type: computed.fields[j]!.type });
        columns.push(computed.columns[j]!);
      }
    }
    return { batch: new ColumnBatch(fields, columns, sel.length), inputRows: sel };
  }

  /** Points the window view at the live panes up to `closed` (a pane still filling waits for its firing). */
  private async defineWindowView(closed: number): Promise<void> {
    const present = new Set(this.windowNeeds);
    const parts = [WINDOW_EMPTY, ...this.panes.filter((p) => p <= closed).map(paneTable)].map((t) => `SELECT ${viewColumns(this.fields, present)} FROM ${t}`);
    await this.sql.run(`CREATE OR REPLACE VIEW ${quoteIdent(this.view)} AS ${parts.join(' UNION ALL ')}`);
  }

  private async evict(upTo: number): Promise<void> {
    const gone = this.panes.filter((p) => p <= upTo);
    if (gone.length > 0) {
      this.panes.splice(0, this.panes.length, ...this.panes.filter((p) => p > upTo));
      await this.defineWindowView(upTo);
      for (const p of gone) await this.sql.run(`DROP TABLE IF EXISTS ${paneTable(p)}`);
    }
    if (this.candidatePanes.length > 0 && this.candidatePanes[0]! <= upTo) {
      this.candidatePanes.splice(0, this.candidatePanes.length, ...this.candidatePanes.filter((p) => p > upTo));
      for (const i of this.keeps.keys()) await this.sql.run(`DELETE FROM ${quoteIdent(candidateData(i))} WHERE "__pane" <= ${upTo}`);
      for (const [i, o] of this.outputs.entries()) if (o.plan.kind === 'aggregate') await this.sql.run(`DELETE FROM ${quoteIdent(aggregateData(i))} WHERE "__pane" <= ${upTo}`);
    }
  }

  /**
   * Whether an arrival-time output (a processing-time GROUP BY run on arrival-time windows) holds
   * partials not sent yet: those of windows still open. A clean stop's final batch sends them, as a
   * processing-time window fires at once on a clean stop; otherwise what the worker read of a
   * window it stops in would reach the table only once another worker reads the shard again and
   * the window closes there. Sending them early is safe: each is its shard's cumulative partial,
   * fenced by window and position in the item, so a later (newer) one replaces it.
   */
  async unsentOnStop(): Promise<boolean> {
    for (const agg of this.eventAggregates.values()) if (agg.latest && (await agg.hasPending())) return true;
    return false;
  }

  /**
   * The event-time state (watermarks and aggregate partials per shard) as a partitioned state
   * holder: committed with each shard's checkpoint, moved with its lease. Undefined without
   * event-time windows.
   */
  get eventTimeState(): EventTimeState | undefined {
    if (!this.eventTime) return undefined;
    this.etState ??= new EventTimeState(this.eventTime, [...this.eventAggregates.values()]);
    return this.etState;
  }

  /** Rows currently in the window (or in the current batch without a window), for status and tests. */
  async windowRows(): Promise<number> {
    const r = await this.sql.query(`SELECT count(*) AS n FROM ${quoteIdent(this.view)}`);
    return Number(r[0]?.n ?? 0);
  }
}

/** Keeps the declared order of fields. */
function ordered(fields: readonly Field[], names: ReadonlySet<string>): string[] {
  return fields.filter((f) => names.has(f.name)).map((f) => f.name);
}

/** Every field with its logical type: stored ones cast from their physical type, the rest typed NULLs. */
function viewColumns(fields: readonly Field[], present: ReadonlySet<string>): string {
  return fields.map((f) => (present.has(f.name) ? logicalSelect(f.name, f.type) : `CAST(NULL AS ${sqlTypeOf(f.type)}) AS ${quoteIdent(f.name)}`)).join(', ');
}

async function defineTables(sql: SqlEngine, fields: readonly Field[], view: string, window: WindowPlan, batchNeeds: ReadonlySet<string>, windowNeeds: ReadonlySet<string>): Promise<void> {
  const stored = fields.filter((f) => batchNeeds.has(f.name));
  // Event-time windows keep no panes: the view is the batch, aggregates keep their own state.
  const windowed = window.windowed && !window.eventTime;
  await sql.run(`CREATE OR REPLACE TABLE ${BATCH_DATA} (${['"__row" INTEGER', physicalColumns(stored)].filter(Boolean).join(', ')})`);
  await sql.run(`CREATE OR REPLACE VIEW ${BATCH_VIEW} AS SELECT "__row", ${viewColumns(fields, batchNeeds)} FROM ${BATCH_DATA}`);
  if (window.eventTime) await sql.run(windowInputSql(window.eventTime));
  if (view.toLowerCase() !== 'current_batch') {
    await sql.run(`CREATE OR REPLACE VIEW current_batch AS SELECT ${viewColumns(fields, batchNeeds)} FROM ${BATCH_DATA}`);
  }
  if (!windowed) {
    await sql.run(`CREATE OR REPLACE VIEW ${quoteIdent(view)} AS SELECT ${viewColumns(fields, batchNeeds)} FROM ${BATCH_DATA}`);
    return;
  }
  const kept = fields.filter((f) => windowNeeds.has(f.name));
  await sql.run(`CREATE OR REPLACE TABLE ${WINDOW_EMPTY} (${physicalColumns(kept) || '"__none" INTEGER'})`);
  await sql.run(`CREATE OR REPLACE VIEW ${quoteIdent(view)} AS SELECT ${viewColumns(fields, windowNeeds)} FROM ${WINDOW_EMPTY}`);
}

/**
 * The view event-time aggregates read: the batch with one row per window a record falls in (one
 * per record for tumbling windows). Rows of windows this worker already emitted are left out of
 * the partials of an aggregate that is not merged (see `EventTimeAggregate.add`).
 */
function windowInputSql(e: NonNullable<WindowPlan['eventTime']>): string {
  const n = e.lengthMs / e.slideMs;
  return n === 1
    ? `CREATE OR REPLACE VIEW ${BATCH_WINDOWS} AS SELECT * FROM ${BATCH_VIEW}`
    : `CREATE OR REPLACE VIEW ${BATCH_WINDOWS} AS SELECT * EXCLUDE ("__k") REPLACE (window_start - to_milliseconds("__k" * ${e.slideMs}) AS window_start, window_end - to_milliseconds("__k" * ${e.slideMs}) AS window_end) FROM ${BATCH_VIEW}, range(0, ${n}) AS "__r"("__k")`;
}

/**
 * Event-time windows run projections and filters on each batch, GROUP BY aggregates (count, sum,
 * min, max, avg) by window with their state in the snapshot, and queries over `current_batch`;
 * a query that needs the rows of a whole window (top-k, DISTINCT, joins, window functions) would
 * have to keep every row until the watermark passes, and is refused with the reason.
 */
function checkEventTimePlans(planned: readonly { spec: OutputSpec; plan: OutputPlan }[]): void {
  for (const { spec, plan } of planned) {
    if (plan.kind === 'incremental' || (plan.kind === 'window' && plan.scope === 'batch')) continue;
    if (plan.kind === 'aggregate') {
      if (plan.windowGroup) continue;
      throw invalidOption(
        `outputs.${spec.name}.sql`,
        spec.sql,
        'with event-time windows, a GROUP BY must include window_start (or window_end): the window each row falls in; add it to the GROUP BY, and to the SELECT list to see it',
      );
    }
    throw invalidOption(
      `outputs.${spec.name}.sql`,
      spec.sql,
      `event-time windows run projections, filters and GROUP BY window_start with count/sum/min/max/avg; this query is planned as ${plan.kind} (it needs every row of a window: ORDER BY ... LIMIT, DISTINCT, a join, a window function or another aggregate); rewrite it as one of those, or use a processing-time window`,
    );
  }
}

/** Presents a batch's fields under the output's column names, in the output's order. */
function rename(batch: ColumnBatch, columns: readonly { name: string; field: string }[]): ColumnBatch {
  return new ColumnBatch(
    columns.map((c) => ({ name: c.name, type: batch.fields[batch.fieldIndex(c.field)]!.type })),
    columns.map((c) => batch.columns[batch.fieldIndex(c.field)]!),
    batch.size,
    batch.selection,
  );
}

/** 0, 1, ..., n - 1: the input row of each output row when an output keeps every row. */
function identityRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let k = 0; k < n; k++) rows[k] = k;
  return rows;
}
