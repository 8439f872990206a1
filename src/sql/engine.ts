import { DuckDBConnection, DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender } from '@duckdb/node-api';
import { SluiceError, invalidOption } from '../errors.js';
import type { Row } from '../engine/operator.js';
import { quoteIdent, sqlTypeOfValue, type SqlType } from './types.js';

export interface SqlColumn {
  name: string;
  type: SqlType;
}

/**
 * DuckDB, locked down for user SQL: external access (files, HTTP, extensions) is disabled and the
 * configuration is locked before any user query runs, so a query cannot read or write files or
 * undo those settings.
 */
export class SqlEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async create(): Promise<SqlEngine> {
    const instance = await DuckDBInstance.create(':memory:', {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      // One thread: Sluice's queries run over one batch or a few partial rows, where DuckDB's worker
      // threads cost more CPU in handoffs than they save (engine bench: 0.39 -> 0.58 of the hand
      // loop at 100k records per batch); the micro-batch pipeline keeps the other core busy.
      threads: '1',
      lock_configuration: 'true',
    });
    const connection = await DuckDBConnection.create(instance);
    return new SqlEngine(instance, connection);
  }

  /** Runs SQL and returns plain JS rows: BIGINT/HUGEINT become numbers when exact, else decimal strings; timestamps become Dates. */
  async query(sql: string): Promise<Row[]> {
    let reader;
    try {
      reader = await this.connection.runAndReadAll(sql);
    } catch (error) {
      throw new SluiceError(`SQL failed: ${(error as Error).message}\n  in: ${sql}`, { domain: 'user', code: 'SqlError', cause: error });
    }
    const rows = reader.getRowObjectsJS() as Row[];
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        const v = row[key];
        if (typeof v === 'bigint') row[key] = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      }
    }
    return rows;
  }

  async run(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch (error) {
      throw new SluiceError(`SQL failed: ${(error as Error).message}\n  in: ${sql}`, { domain: 'user', code: 'SqlError', cause: error });
    }
  }

  /** Checks that a query parses and binds against the current tables, without running it. */
  async validate(sql: string, field: string): Promise<void> {
    try {
      await this.connection.prepare(sql);
    } catch (error) {
      throw invalidOption(field, sql, `the SQL does not compile: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * A table whose columns grow as operators add new ones; rows are appended with DuckDB's appender.
 */
export class RowTable {
  private columns: SqlColumn[];

  constructor(
    private readonly engine: SqlEngine,
    readonly name: string,
    columns: SqlColumn[],
  ) {
    this.columns = [...columns];
  }

  static async create(engine: SqlEngine, name: string, columns: SqlColumn[]): Promise<RowTable> {
    const t = new RowTable(engine, name, columns);
    await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(name)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`);
    return t;
  }

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** Adds columns that appear in rows but not in the table (an operator's new outputs). */
  private async widen(rows: readonly Row[]): Promise<void> {
    const known = new Set(this.columns.map((c) => c.name));
    const added: SqlColumn[] = [];
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (known.has(key)) continue;
        const v = row[key];
        if (v === null || v === undefined) continue;
        known.add(key);
        added.push({ name: key, type: sqlTypeOfValue(v) });
      }
    }
    for (const col of added) {
      await this.engine.run(`ALTER TABLE ${quoteIdent(this.name)} ADD COLUMN ${quoteIdent(col.name)} ${col.type}`);
      this.columns.push(col);
    }
  }

  async append(rows: readonly Row[], extra: Row = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.widen(rows);
    const appender = await this.engine.connection.createAppender(this.name);
    try {
      for (const row of rows) {
        for (const col of this.columns) appendValue(appender, col.type, col.name in extra ? extra[col.name] : row[col.name]);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
}

function appendValue(a: DuckDBAppender, type: SqlType, v: unknown): void {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v) && type !== 'DOUBLE')) {
    a.appendNull();
    return;
  }
  switch (type) {
    case 'VARCHAR':
      a.appendVarchar(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
      return;
    case 'INTEGER':
      a.appendInteger(Number(v));
      return;
    case 'BIGINT':
      a.appendBigInt(BigInt(typeof v === 'number' ? Math.trunc(v) : (v as bigint | string)));
      return;
    case 'DOUBLE':
      a.appendDouble(Number(v));
      return;
    case 'BOOLEAN':
      a.appendBoolean(Boolean(v));
      return;
    case 'TIMESTAMP': {
      const ms = v instanceof Date ? v.getTime() : Number(v);
      a.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n));
      return;
    }
  }
}
