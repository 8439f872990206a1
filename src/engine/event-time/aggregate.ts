import type { ColumnBatch } from '../../core/batch.js';
import { readColumns } from '../../sql/columnar.js';
import { SluiceError } from '../../errors.js';
import type { SqlEngine } from '../../sql/engine.js';
import { quoteIdent } from '../../sql/types.js';
import type { OutputPlan } from '../outputs/plan.js';
import type { EventTimeSpec } from './windows.js';

type AggregatePlan = Extract<OutputPlan, { kind: 'aggregate' }>;

/**
 * One event-time aggregate output's state: partial aggregates per (group, shard), where one group
 * column is the window. Each batch adds its partials; rows of the same group are merged when the
 * table has doubled since the last merge (so a batch costs what its own rows cost, amortized).
 * When the watermark passes a window's end (append mode), its groups are combined across shards,
 * the user's query runs over them once, and they are dropped. In update mode every batch emits
 * the groups it changed, with their values so far.
 *
 * The state is a DuckDB table; a snapshot holds it per shard (with that shard's checkpoint) as
 * JSON written by DuckDB itself (`to_json`), which restores every value exactly (`from_json` with
 * the table's own types).
 */
export class EventTimeAggregate {
  private rows = 0;
  private mergedRows = 0;
  private readonly state: string;
  private readonly fresh: string;
  private readonly view: string;
  private readonly keys: string[];
  private rowType: string | undefined;
  /** Merged mode: (group, shard) keys whose partial changed since it was last emitted. */
  private readonly pending: string;
  /** Merged mode: the partials a merge combines, and the view combining them per merge (`__i`). */
  private readonly deriveTable: string;
  private readonly deriveView: string;

  constructor(
    private readonly sql: SqlEngine,
    readonly name: string,
    private readonly plan: AggregatePlan & { windowGroup: NonNullable<AggregatePlan['windowGroup']> },
    private readonly spec: EventTimeSpec,
    tables: { state: string; fresh: string; view: string },
    /**
     * Emit each shard's own partial per group (with the shard's position as a fence) for a sink
     * that merges them across workers (see `emitMerged`), instead of this worker's combination.
     */
    readonly merged = false,
    /**
     * Merged, with items keyed without the window (a processing-time GROUP BY run on arrival-time
     * windows, engine/arrival-time.ts): an item holds each shard's partial of the newest window it
     * sent, and shows the newest window of all, as the processing-time query overwrote its item
     * with each window's result. The fence orders by window first (an older window's partial never
     * replaces a newer one's), then by position.
     */
    readonly latest = false,
  ) {
    this.state = quoteIdent(tables.state);
    this.fresh = quoteIdent(tables.fresh);
    this.view = quoteIdent(tables.view);
    this.pending = quoteIdent(`${tables.state}_pending`);
    this.deriveTable = quoteIdent(`${tables.state}_d`);
    this.deriveView = quoteIdent(`${tables.view}_m`);
    this.keys = Array.from({ length: plan.groups }, (_, i) => `__g${i}`);
  }

  async create(): Promise<void> {
    await this.sql.run(`CREATE OR REPLACE TABLE ${this.state} AS SELECT * FROM (${this.plan.partialSql}) LIMIT 0`);
    await this.sql.run(`CREATE OR REPLACE TABLE ${this.fresh} AS SELECT * FROM ${this.state} LIMIT 0`);
    await this.sql.run(`CREATE OR REPLACE VIEW ${this.view} AS ${this.plan.combineSql(this.state)}`);
    if (this.merged) {
      await this.sql.run(`CREATE OR REPLACE TABLE ${this.pending} AS SELECT ${[...this.keys, '__part'].join(', ')} FROM ${this.state} LIMIT 0`);
      await this.sql.run(`CREATE OR REPLACE TABLE ${this.deriveTable} AS SELECT CAST(0 AS INTEGER) AS __i, * FROM ${this.state} LIMIT 0`);
      await this.sql.run(`CREATE OR REPLACE VIEW ${this.deriveView} AS ${this.plan.combineSql(this.deriveTable, undefined, ['__i'])}`);
    }
  }

  /**
   * Adds the current batch's partials (the batch tables hold it). Not merged: rows of windows
   * already emitted on this worker (`emittedUpTo`) are left out, so a window is never emitted
   * again with part of its rows. Merged: every on-time row counts (its shard's partial is
   * replaced in the sink, whenever it comes), and the keys it changed are pending.
   */
  async add(emittedUpTo = -Infinity): Promise<void> {
    await this.sql.run(`DELETE FROM ${this.fresh}`);
    await this.sql.run(`INSERT INTO ${this.fresh} ${this.plan.partialSql}`);
    if (!this.merged && Number.isFinite(emittedUpTo)) await this.sql.run(`DELETE FROM ${this.fresh} WHERE ${this.closed(emittedUpTo)}`);
    const n = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.fresh}`))[0]?.n ?? 0);
    if (n === 0) return;
    if (this.merged) await this.markPending(this.fresh);
    await this.sql.run(`INSERT INTO ${this.state} SELECT * FROM ${this.fresh}`);
    this.rows += n;
    if (this.rows > 2 * this.mergedRows + 1024) await this.merge();
  }

  /** Merges rows of the same group and shard into one. */
  async merge(): Promise<void> {
    await this.sql.run(`CREATE OR REPLACE TEMP TABLE __et_merge AS ${this.plan.mergeSql(this.state)}`);
    await this.sql.run(`DELETE FROM ${this.state}`);
    await this.sql.run(`INSERT INTO ${this.state} SELECT * FROM __et_merge`);
    await this.sql.run('DROP TABLE __et_merge');
    this.rows = this.mergedRows = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.state}`))[0]?.n ?? 0);
  }

  /** SQL condition on a state row: its window ended at or before `watermark`. */
  private closed(watermark: number): string {
    if (watermark === Infinity) return 'TRUE';
    if (watermark === -Infinity || Number.isNaN(watermark)) return 'FALSE';
    return `${this.endSql()} <= ${Math.floor(watermark)}`;
  }

  /** SQL: a state row's window end, in epoch ms. */
  private endSql(prefix = ''): string {
    const g = `epoch_ms(${prefix}__g${this.plan.windowGroup.index})`;
    return this.plan.windowGroup.column === 'window_end' ? g : `(${g} + ${this.spec.lengthMs})`;
  }

  /** Notes the (group, shard) keys of some partials as changed since last emitted. */
  private async markPending(from: string): Promise<void> {
    const cols = [...this.keys, '__part'].join(', ');
    await this.sql.run(`INSERT INTO ${this.pending} SELECT DISTINCT ${cols} FROM ${from} EXCEPT SELECT ${cols} FROM ${this.pending}`);
  }

  /**
   * Merged mode: the partials to send after a batch, one row per (group, shard) whose partial
   * changed since last sent: in append mode once its window ended at or before the watermark
   * (`watermark`, this worker's), in update mode at once. Each row carries its shard's cumulative
   * partial as JSON (`__partial`, DuckDB's own text), the shard (`__part`), and the shard's
   * position that partial covers (`__fence`, from `fences`), plus the user's columns computed
   * from that partial alone (for the sink's key). A shard's partial of a window goes from the
   * state once that shard's own watermark (`shardWatermarks`) passed the window's end and it was
   * sent: no on-time record of that shard can fall in it any more, so the partial is final. So
   * which worker sends a partial and when changes only when the merged item is complete, never
   * its final value.
   *
   * A shard read to its end (`ended`: a parent of a reshard) will give no more records, so its
   * partials of every window, open ones too, are final: they are sent now and leave the state,
   * before the shard's SHARD_END checkpoint can be written (the caller writes them to the sink
   * first). No crash after that checkpoint can lose them, and no child has to carry them.
   */
  async emitMerged(
    watermark: number,
    shardWatermarks: ReadonlyMap<string, number>,
    fences: ReadonlyMap<string, string>,
    ended: readonly string[] = [],
  ): Promise<{ out: ColumnBatch | undefined; dropped: string[] }> {
    const cols = [...this.keys, '__part'];
    const on = cols.map((k) => `s.${k} IS NOT DISTINCT FROM t.${k}`).join(' AND ');
    const endedSql = ended.length > 0 ? ` OR __part IN (${ended.map(literal).join(', ')})` : '';
    const due = this.spec.mode === 'append' ? ` WHERE ${this.closed(watermark)}${endedSql}` : '';
    await this.sql.run(`CREATE OR REPLACE TEMP TABLE __et_due AS SELECT * FROM ${this.pending}${due}`);
    const rows = await this.sql.query(
      `SELECT __part, CAST(${this.endSql('m.')} AS BIGINT) AS e, CAST(to_json(m) AS VARCHAR) AS j FROM (${this.plan.mergeSql(`(SELECT s.* FROM ${this.state} AS s SEMI JOIN __et_due AS t ON ${on}) AS p`)}) AS m ORDER BY __part, e`,
    );
    await this.sql.run(`DELETE FROM ${this.pending} AS s WHERE EXISTS (SELECT 1 FROM __et_due AS t WHERE ${on})`);
    await this.sql.run('DROP TABLE __et_due');
    // Final partials go: their window ended before their own shard's watermark, and they were sent.
    let dropped: string[] = [];
    const own = new Map(shardWatermarks);
    for (const p of ended) own.set(p, Infinity);
    const marks = [...own].filter(([, w]) => Number.isFinite(w) || w === Infinity);
    if (marks.length > 0) {
      const values = marks.map(([p, w]) => `(${literal(p)}, ${w === Infinity ? 'CAST(\'infinity\' AS DOUBLE)' : Math.floor(w)})`).join(', ');
      const gone = `${this.endSql('s.')} <= w.wm AND NOT EXISTS (SELECT 1 FROM ${this.pending} AS t WHERE ${on})`;
      const from = `${this.state} AS s JOIN (VALUES ${values}) AS w(p, wm) ON s.__part = w.p`;
      dropped = (await this.sql.query(`SELECT DISTINCT s.__part AS p FROM ${from} WHERE ${gone}`)).map((r) => String(r.p));
      if (dropped.length > 0) {
        await this.sql.run(`DELETE FROM ${this.state} AS s USING (VALUES ${values}) AS w(p, wm) WHERE s.__part = w.p AND ${gone}`);
        this.rows = this.mergedRows = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.state}`))[0]?.n ?? 0);
      }
    }
    if (rows.length === 0) return { out: undefined, dropped };
    const partials = rows.map((r) => String(r.j));
    const derived = await this.derive(partials.map((j) => [j]));
    const parts = rows.map((r) => String(r.__part));
    return {
      out: derived.withColumns([
        { field: { name: '__part', type: 'string' }, column: { values: parts } },
        { field: { name: '__fence', type: 'string' }, column: { values: rows.map((r, k) => (this.latest ? `${String(r.e).padStart(16, '0')}|` : '') + fenceOf(fences.get(parts[k]!))) } },
        { field: { name: '__partial', type: 'string' }, column: { values: partials } },
      ]),
      dropped,
    };
  }

  /**
   * Combines partials (JSON rows as `emitMerged` sends them, each a shard's) into the user's
   * columns: one row per entry of `merges`, in order, with `__i` (its index) and, when the query
   * has a HAVING, `__keep` (whether the combined group passes it). What a merging sink calls
   * with every shard's partial stored for an item.
   */
  async derive(merges: readonly (readonly string[])[]): Promise<ColumnBatch> {
    const rows = (this.latest ? merges.map((list) => newestWindow(list, `__g${this.plan.windowGroup.index}`)) : merges).flatMap((list, i) => list.map((j) => `{"__i":${i},${j.slice(1)}`));
    const structure = JSON.stringify([{ __i: 'INTEGER', ...(JSON.parse(await this.structure()) as Record<string, string>[])[0] }]);
    await this.sql.run(`DELETE FROM ${this.deriveTable}`);
    if (rows.length > 0) {
      await this.sql.run(`INSERT INTO ${this.deriveTable} BY NAME SELECT * FROM (SELECT unnest(from_json(${literal(`[${rows.join(',')}]`)}, ${literal(structure)}), recursive := true))`);
    }
    const out = await readColumns(this.sql, `SELECT * FROM (${this.plan.merged!.finalSql}) ORDER BY __i`);
    if (out.length !== merges.length) {
      throw new SluiceError(
        `output ${this.name}: ${merges.length} merged items gave ${out.length} rows; the partials stored under one item are of different groups (the sink's keyColumns must name the window and every GROUP BY column)`,
        { domain: 'user', code: 'MergeKeyNotGroup' },
      );
    }
    return out;
  }

  /**
   * What this output emits after a batch, given the watermark: in append mode the windows that
   * closed (once), in update mode the groups this batch changed. Closed windows are dropped.
   */
  async emit(watermark: number, anyClosed: boolean, changed: boolean): Promise<{ out: ColumnBatch | undefined; dropped: string[] }> {
    let out: ColumnBatch | undefined;
    let dropped: string[] = [];
    if (this.spec.mode === 'append') {
      if (!anyClosed) return { out: undefined, dropped };
      await this.sql.run(`CREATE OR REPLACE VIEW ${this.view} AS ${this.plan.combineSql(`(SELECT * FROM ${this.state} WHERE ${this.closed(watermark)}) AS p`)}`);
      out = await readColumns(this.sql, this.plan.finalSql);
    } else if (changed) {
      const on = this.keys.map((k) => `s.${k} IS NOT DISTINCT FROM t.${k}`).join(' AND ') || 'TRUE';
      const touched = `(SELECT s.* FROM ${this.state} AS s SEMI JOIN (SELECT DISTINCT ${this.keys.join(', ') || '1'} FROM ${this.fresh}) AS t ON ${on}) AS p`;
      await this.sql.run(`CREATE OR REPLACE VIEW ${this.view} AS ${this.plan.combineSql(touched)}`);
      out = await readColumns(this.sql, this.plan.finalSql);
    }
    if (anyClosed) {
      // The shards whose partials go: their state changed, so their next snapshot must say so.
      dropped = (await this.sql.query(`SELECT DISTINCT __part FROM ${this.state} WHERE ${this.closed(watermark)}`)).map((r) => String(r.__part));
      await this.sql.run(`DELETE FROM ${this.state} WHERE ${this.closed(watermark)}`);
      this.rows = this.mergedRows = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.state}`))[0]?.n ?? 0);
    }
    return { out, dropped };
  }

  /** The state of some shards, as JSON text DuckDB wrote (merged first, so it is as small as it gets); absent: no partials. */
  async snapshot(shards: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (shards.length === 0) return out;
    await this.merge();
    const rows = await this.sql.query(
      `SELECT __part, CAST(to_json(list(t)) AS VARCHAR) AS j FROM ${this.state} AS t WHERE __part IN (${shards.map(literal).join(', ')}) GROUP BY __part`,
    );
    for (const r of rows) out.set(String(r.__part), String(r.j));
    return out;
  }

  /**
   * Replaces a shard's partials with saved ones (none: the shard has none). Saved entries of other
   * shards are a parent's (a child of a reshard inherits them): the parent's partials this worker
   * still holds (it read the parent to its end) pass to the first child restored here, so they are
   * in that child's snapshots from now on; a second child of a split finds none left, so nothing
   * counts twice. Returns whether partials passed to the shard.
   */
  async restoreShard(shard: string, json: string | undefined): Promise<boolean> {
    await this.sql.run(`DELETE FROM ${this.state} WHERE __part = ${literal(shard)}`);
    let inherited = false;
    // Merged: a parent's partials were sent to the sink when it ended (`emitMerged`); none pass to a child.
    if (json !== undefined && !this.merged) {
      const parents = (await this.sql.query(`SELECT DISTINCT p.__part AS p FROM (SELECT unnest(from_json(${literal(json)}, '[{"__part":"VARCHAR"}]'), recursive := true)) AS p WHERE p.__part <> ${literal(shard)}`)).map((r) => String(r.p));
      if (parents.length > 0) {
        const held = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.state} WHERE __part IN (${parents.map(literal).join(', ')})`))[0]?.n ?? 0);
        if (held > 0) {
          await this.sql.run(`UPDATE ${this.state} SET __part = ${literal(shard)} WHERE __part IN (${parents.map(literal).join(', ')})`);
          inherited = true;
        }
      }
    }
    if (json !== undefined) {
      const structure = await this.structure();
      // Only the shard's own rows: entries inherited from a parent shard carry the parent's.
      await this.sql.run(
        `INSERT INTO ${this.state} BY NAME SELECT * FROM (SELECT unnest(from_json(${literal(json)}, ${literal(structure)}), recursive := true)) WHERE __part = ${literal(shard)}`,
      );
      // Merged: whether they were sent before the crash or move is unknown; send them again (same
      // partials at the same or a later position: the sink's fence takes them or keeps a newer one).
      if (this.merged) await this.markPending(`(SELECT * FROM ${this.state} WHERE __part = ${literal(shard)})`);
    }
    if (this.merged && json === undefined) await this.sql.run(`DELETE FROM ${this.pending} WHERE __part = ${literal(shard)}`);
    this.rows = this.mergedRows = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.state}`))[0]?.n ?? 0);
    return inherited;
  }

  /**
   * Drops, without emitting, the partials of windows the watermark has passed: after a restore
   * they are stale (such a window was emitted whole before its watermark was saved; a shard
   * committed earlier than another still holds its part).
   */
  async dropClosed(watermark: number): Promise<void> {
    // Merged: a partial is dropped only once final and sent (see `emitMerged`), never by a watermark of this worker's.
    if (this.merged || !Number.isFinite(watermark) || watermark === -Infinity) return;
    await this.sql.run(`DELETE FROM ${this.state} WHERE ${this.closed(watermark)}`);
    this.rows = this.mergedRows = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.state}`))[0]?.n ?? 0);
  }

  /** The state table's row type, for `from_json` (read once: the table's types never change). */
  private async structure(): Promise<string> {
    if (this.rowType === undefined) {
      const columns = await this.sql.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ${literal(this.state.slice(1, -1))} ORDER BY ordinal_position`);
      this.rowType = JSON.stringify([Object.fromEntries(columns.map((c) => [String(c.column_name), String(c.data_type)]))]);
    }
    return this.rowType;
  }

  /** Merged mode: whether some (group, shard) partial changed since it was last sent. */
  async hasPending(): Promise<boolean> {
    if (!this.merged) return false;
    return Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.pending}`))[0]?.n ?? 0) > 0;
  }

  /** Ends (epoch ms) of the windows that hold partials. */
  async windowEnds(): Promise<number[]> {
    const g = `epoch_ms(__g${this.plan.windowGroup.index})`;
    const end = this.plan.windowGroup.column === 'window_end' ? g : `${g} + ${this.spec.lengthMs}`;
    return (await this.sql.query(`SELECT DISTINCT ${end} AS e FROM ${this.state}`)).map((r) => Number(r.e));
  }
}

/**
 * A shard position as text that orders as the position does (DynamoDB compares strings byte by
 * byte): the sequence number padded to 128 digits, then a KPL sub-sequence padded to 10.
 */
export function fenceOf(seq: string | undefined): string {
  if (seq === undefined) return '';
  const i = seq.indexOf(':');
  return i === -1 ? seq.padStart(128, '0') : `${seq.slice(0, i).padStart(128, '0')}:${seq.slice(i + 1).padStart(10, '0')}`;
}

/** The partials (DuckDB's JSON rows) of the newest window among them: `key` holds the window, as text that orders as time does. */
function newestWindow(list: readonly string[], key: string): string[] {
  const windows = list.map((j) => String((JSON.parse(j) as Record<string, unknown>)[key]));
  const newest = windows.reduce((a, b) => (b > a ? b : a), '');
  return list.filter((_, k) => windows[k] === newest);
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
