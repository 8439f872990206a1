import type { ColumnBatch } from '../../core/batch.js';
import { readColumns } from '../../sql/columnar.js';
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

  constructor(
    private readonly sql: SqlEngine,
    readonly name: string,
    private readonly plan: AggregatePlan & { windowGroup: NonNullable<AggregatePlan['windowGroup']> },
    private readonly spec: EventTimeSpec,
    tables: { state: string; fresh: string; view: string },
  ) {
    this.state = quoteIdent(tables.state);
    this.fresh = quoteIdent(tables.fresh);
    this.view = quoteIdent(tables.view);
    this.keys = Array.from({ length: plan.groups }, (_, i) => `__g${i}`);
  }

  async create(): Promise<void> {
    await this.sql.run(`CREATE OR REPLACE TABLE ${this.state} AS SELECT * FROM (${this.plan.partialSql}) LIMIT 0`);
    await this.sql.run(`CREATE OR REPLACE TABLE ${this.fresh} AS SELECT * FROM ${this.state} LIMIT 0`);
    await this.sql.run(`CREATE OR REPLACE VIEW ${this.view} AS ${this.plan.combineSql(this.state)}`);
  }

  /** Adds the current batch's partials (the batch tables hold it). */
  async add(): Promise<void> {
    await this.sql.run(`DELETE FROM ${this.fresh}`);
    await this.sql.run(`INSERT INTO ${this.fresh} ${this.plan.partialSql}`);
    const n = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.fresh}`))[0]?.n ?? 0);
    if (n === 0) return;
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
    const g = `epoch_ms(__g${this.plan.windowGroup.index})`;
    const end = this.plan.windowGroup.column === 'window_end' ? g : `(${g} + ${this.spec.lengthMs})`;
    return `${end} <= ${Math.floor(watermark)}`;
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
    if (json !== undefined) {
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
    }
    this.rows = this.mergedRows = Number((await this.sql.query(`SELECT count(*) AS n FROM ${this.state}`))[0]?.n ?? 0);
    return inherited;
  }

  /**
   * Drops, without emitting, the partials of windows the watermark has passed: after a restore
   * they are stale (such a window was emitted whole before its watermark was saved; a shard
   * committed earlier than another still holds its part).
   */
  async dropClosed(watermark: number): Promise<void> {
    if (!Number.isFinite(watermark) || watermark === -Infinity) return;
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

  /** Ends (epoch ms) of the windows that hold partials. */
  async windowEnds(): Promise<number[]> {
    const g = `epoch_ms(__g${this.plan.windowGroup.index})`;
    const end = this.plan.windowGroup.column === 'window_end' ? g : `${g} + ${this.spec.lengthMs}`;
    return (await this.sql.query(`SELECT DISTINCT ${end} AS e FROM ${this.state}`)).map((r) => Number(r.e));
  }
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
