import { SluiceError, invalidOption } from '../errors.js';
import { schemaTreeString, showString, type DataType, type Field } from './format.js';
import type { MlSession } from './session.js';
import { XORShiftRandom } from './xorshift-random.js';

/** SQL identifier quoting, shared with the engine's DuckDB code. */
export { quoteIdent } from '../sql/types.js';
import { quoteIdent } from '../sql/types.js';

export type Row = Record<string, unknown>;

/**
 * An immutable table, like Spark's DataFrame: each one is a DuckDB table of its session with a
 * hidden `__rid` column that keeps the row order; every transformation makes a new DataFrame.
 * Actions (`count`, `show`, `collect`) are async because DuckDB is.
 */
export class DataFrame {
  private constructor(
    readonly session: MlSession,
    /** The DuckDB table that holds the rows (plus `__rid`). */
    readonly table: string,
    readonly schema: readonly Field[],
  ) {}

  /** Wraps an existing session table, reading its schema from DuckDB. */
  static async fromTable(session: MlSession, table: string): Promise<DataFrame> {
    const reader = await session.connection.runAndReadAll(`DESCRIBE ${table}`);
    const fields: Field[] = [];
    for (const row of reader.getRowObjectsJS()) {
      const name = String(row.column_name);
      if (name === '__rid') continue;
      fields.push({ name, type: dataTypeOf(String(row.column_type)), nullable: true });
    }
    return new DataFrame(session, table, fields);
  }

  /** Makes a new DataFrame from a SELECT over this one (`{t}` is replaced by this table). */
  async derive(selectSql: string, options: { keepNullability?: boolean } = {}): Promise<DataFrame> {
    const table = this.session.nextTableName();
    await this.session.connection.run(`CREATE TABLE ${table} AS ${selectSql.replaceAll('{t}', this.table)}`);
    const derived = await DataFrame.fromTable(this.session, table);
    if (options.keepNullability === false) return derived;
    // Columns carried over keep their declared nullability (e.g. a model's non-null prediction).
    const nonNull = new Set(this.schema.filter((f) => !f.nullable).map((f) => f.name));
    return new DataFrame(this.session, table, derived.schema.map((f) => (nonNull.has(f.name) ? { ...f, nullable: false } : f)));
  }

  /** The same rows with a column's declared nullability changed (Spark marks model outputs non-null). */
  withNullable(name: string, nullable: boolean): DataFrame {
    const target = this.field(name).name;
    return new DataFrame(this.session, this.table, this.schema.map((f) => (f.name === target ? { ...f, nullable } : f)));
  }

  get columns(): string[] {
    return this.schema.map((f) => f.name);
  }

  field(name: string): Field {
    const f = this.schema.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (f === undefined) {
      throw invalidOption('column', name, `use one of the DataFrame's columns: ${this.columns.join(', ')}`);
    }
    return f;
  }

  /** Spark's `printSchema()` text. */
  schemaString(): string {
    return schemaTreeString(this.schema);
  }

  printSchema(out: (s: string) => void = (s) => process.stdout.write(s)): void {
    out(this.schemaString());
  }

  /** Keeps the rows for which a SQL predicate holds, e.g. `"LoanAmount is not NULL"`. */
  async filter(condition: string): Promise<DataFrame> {
    try {
      return await this.derive(`SELECT * FROM {t} WHERE (${condition}) ORDER BY __rid`);
    } catch (e) {
      throw new SluiceError(`Invalid filter condition ${JSON.stringify(condition)}: ${e instanceof Error ? e.message : String(e)}. Fix: write a SQL predicate over the columns ${this.columns.join(', ')}.`, {
        domain: 'user',
        code: 'InvalidOption',
        cause: e,
      });
    }
  }

  /** Alias of `filter`, as in Spark. */
  where(condition: string): Promise<DataFrame> {
    return this.filter(condition);
  }

  /** Projects columns by name (`'*'` for all). */
  async select(...cols: string[]): Promise<DataFrame> {
    const list = cols.flatMap((c) => (c === '*' ? this.columns : [this.field(c).name]));
    return this.derive(`SELECT __rid, ${list.map(quoteIdent).join(', ')} FROM {t} ORDER BY __rid`);
  }

  /** Projects SQL expressions, e.g. `selectExpr('LoanAmount * 1000 AS amount')`. */
  async selectExpr(...exprs: string[]): Promise<DataFrame> {
    return this.derive(`SELECT __rid, ${exprs.join(', ')} FROM {t} ORDER BY __rid`, { keepNullability: false });
  }

  async count(): Promise<number> {
    const reader = await this.session.connection.runAndReadAll(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(reader.getRowsJS()[0]![0]);
  }

  /** Rows as plain objects, in order: vectors as number[], longs as number. */
  async collect(limit?: number): Promise<Row[]> {
    const cols = this.columns.map(quoteIdent).join(', ');
    const sql = `SELECT ${cols} FROM ${this.table} ORDER BY __rid${limit === undefined ? '' : ` LIMIT ${limit}`}`;
    const reader = await this.session.connection.runAndReadAll(sql);
    return reader.getRowsJS().map((values) => {
      const row: Row = {};
      this.schema.forEach((f, i) => {
        row[f.name] = toPlain(values[i]);
      });
      return row;
    });
  }

  /** Spark's `show(n, truncate)` text. */
  async showString(numRows = 20, truncate: boolean | number = true): Promise<string> {
    const rows = await this.collect(numRows + 1);
    const width = truncate === true ? 20 : truncate === false ? 0 : truncate;
    const shown = rows.slice(0, numRows).map((r) => this.columns.map((c) => r[c]));
    return showString(this.schema, shown, numRows, rows.length > numRows, width);
  }

  async show(numRows = 20, truncate: boolean | number = true, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
    out(await this.showString(numRows, truncate));
  }

  /**
   * Spark's `randomSplit(weights, seed)`: weights are normalised to cumulative bounds; rows are put
   * in a deterministic order (sorted ascending, nulls first, by every column, as Spark sorts each
   * partition), each row draws one uniform from Spark's XORShiftRandom(seed + partition 0) and
   * lands in the split whose [lower, upper) range holds the draw (Spark's BernoulliCellSampler).
   * Splits are disjoint and cover the rows; sizes vary.
   */
  async randomSplit(weights: readonly number[], seed: number = Date.now()): Promise<DataFrame[]> {
    if (weights.length < 2 || weights.some((w) => !(w >= 0)) || !(weights.reduce((a, b) => a + b, 0) > 0)) {
      throw invalidOption('randomSplit weights', weights, 'give two or more non-negative weights with a positive sum, e.g. [0.7, 0.3]');
    }
    const total = weights.reduce((a, b) => a + b, 0);
    const bounds: number[] = [0];
    for (const w of weights) bounds.push(bounds[bounds.length - 1]! + w / total);
    // Spark sorts by every orderable column; dense vectors order lexicographically by their values.
    const orderable = this.schema.map((f) => `${quoteIdent(f.name)} ASC NULLS FIRST`);
    const reader = await this.session.connection.runAndReadAll(`SELECT __rid FROM ${this.table} ORDER BY ${[...orderable, '__rid'].join(', ')}`);
    const rids = reader.getColumnsJS()[0] ?? [];
    const rng = new XORShiftRandom(seed);
    const assign = `split_${this.session.nextTableName()}`;
    await this.session.connection.run(`CREATE TABLE ${assign} (rid BIGINT, k INTEGER)`);
    const appender = await this.session.connection.createAppender(assign);
    try {
      for (const rid of rids) {
        const u = rng.nextDouble();
        let k = 0;
        while (k < weights.length - 1 && u >= bounds[k + 1]!) k++;
        appender.appendBigInt(BigInt(rid as bigint | number));
        appender.appendInteger(k);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const out: DataFrame[] = [];
    for (let k = 0; k < weights.length; k++) {
      out.push(await this.derive(`SELECT t.* FROM {t} t JOIN ${assign} s ON t.__rid = s.rid WHERE s.k = ${k} ORDER BY t.__rid`));
    }
    await this.session.connection.run(`DROP TABLE ${assign}`);
    return out;
  }
}

function dataTypeOf(duckType: string): DataType {
  const t = duckType.toUpperCase();
  if (t.endsWith('[]')) return 'vector';
  if (t === 'INTEGER' || t === 'SMALLINT' || t === 'TINYINT') return 'integer';
  if (t === 'BIGINT' || t === 'HUGEINT' || t === 'UINTEGER') return 'long';
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return 'double';
  if (t === 'BOOLEAN') return 'boolean';
  return 'string';
}

function toPlain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((x) => (x === null ? NaN : Number(x)));
  return v;
}
