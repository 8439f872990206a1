import { DuckDBConnection, DuckDBInstance, DuckDBTimestampValue, StatementType, type DuckDBAppender } from '@duckdb/node-api';
import { SluiceError, invalidOption } from '../errors.js';
import type { Row } from '../engine/operator.js';
import { parseDuration } from '../engine/window.js';
import { quoteIdent, sqlTypeOfValue, type SqlType } from './types.js';

export interface SqlColumn {
  name: string;
  type: SqlType;
}

/** What one pipeline's SQL may use. Set from the pipeline's `sql` field; see docs/pipelines.md. */
export interface SqlLimits {
  /** DuckDB `memory_limit`, e.g. "512MB", "2GB". */
  memoryLimit: string;
  /** DuckDB worker threads. */
  threads: number;
  /** A query running longer than this is interrupted and fails the batch. */
  queryTimeoutMs: number;
}

/** Defaults: enough for a window of a few million narrow rows, small enough to share a machine. */
export const DEFAULT_SQL_LIMITS: SqlLimits = { memoryLimit: '1GB', threads: 1, queryTimeoutMs: 30_000 };

/** The pipeline's `sql` field (all optional) as limits; unset ones take the defaults. */
export function sqlLimitsFrom(o: { memoryLimit?: string | undefined; threads?: number | undefined; queryTimeout?: string | number | undefined } = {}): Partial<SqlLimits> {
  return {
    ...(o.memoryLimit !== undefined ? { memoryLimit: o.memoryLimit } : {}),
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.queryTimeout !== undefined ? { queryTimeoutMs: parseDuration(o.queryTimeout, 'sql.queryTimeout') } : {}),
  };
}

/** Engines not closed yet, so an exiting process can interrupt their queries (see `interruptAllSql`). */
const live = new Set<SqlEngine>();

/**
 * Interrupts every running DuckDB query in this process. Call it before `process.exit()`: Node
 * joins its thread pool on exit, and a query running there would otherwise hold the exit for as
 * long as it runs.
 */
export function interruptAllSql(): void {
  for (const engine of live) engine.interrupt();
}

/** Statement kinds an output may run: a query, nothing that changes the engine's own objects. */
const READ_ONLY = new Set<number>([StatementType.SELECT]);

/**
 * DuckDB, locked down for user SQL: external access (files, HTTP, extensions) is disabled and the
 * configuration is locked before any user query runs, so a query cannot read or write files or
 * undo those settings. Memory and threads are capped, and a query running past the time limit is
 * interrupted.
 *
 * One statement runs at a time on the connection (calls queue in order), and `close()` waits for
 * the running one. Closing the connection under a query still running on the libuv thread pool
 * made DuckDB destroy its client context from inside that query, which re-locks the context lock
 * the query holds: the worker thread deadlocked, its work request never completed, and the process
 * never exited (or, with the instance freed under it, crashed).
 */
export class SqlEngine {
  /** The queue: every statement waits for the previous one. Never rejects. */
  private tail: Promise<unknown> = Promise.resolve();
  private active = false;
  private closing: Promise<void> | undefined;
  /** Which pipeline field each validated query came from, to name it in errors. */
  private readonly fields = new Map<string, string>();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly limits: SqlLimits,
  ) {}

  static async create(limits: Partial<SqlLimits> = {}): Promise<SqlEngine> {
    const l: SqlLimits = { ...DEFAULT_SQL_LIMITS, ...limits };
    const instance = await DuckDBInstance.create(':memory:', {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      memory_limit: l.memoryLimit,
      // One thread by default: Sluice's queries run over one batch or a few partial rows, where
      // DuckDB's worker threads cost more CPU in handoffs than they save (engine bench: 0.39 -> 0.58
      // of the hand loop at 100k records per batch); `sql.threads` raises it for whole-window queries.
      threads: String(l.threads),
      lock_configuration: 'true',
    });
    const connection = await DuckDBConnection.create(instance);
    const engine = new SqlEngine(instance, connection, l);
    live.add(engine);
    return engine;
  }

  /**
   * Runs `fn` alone on the connection, after every statement queued before it. Everything that
   * touches the connection (queries, appenders) goes through here.
   */
  exclusive<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new SluiceError('The SQL engine is closed', { domain: 'internal', code: 'SqlEngineClosed' }));
    const run = this.tail.then(async () => {
      this.active = true;
      try {
        return await fn(this.connection);
      } finally {
        this.active = false;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs one statement under the time limit, alone on the connection; a query still running at the
   * limit is interrupted, and a failure names the output the statement belongs to.
   */
  statement<T>(sql: string, fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.timed(sql, fn);
  }

  /** Runs one statement under the time limit; a query still running at the limit is interrupted. */
  private timed<T>(sql: string, fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.exclusive(async (connection) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        connection.interrupt();
      }, this.limits.queryTimeoutMs);
      try {
        return await fn(connection);
      } catch (error) {
        throw this.sqlError(sql, error, timedOut);
      } finally {
        clearTimeout(timer);
      }
    });
  }

  private sqlError(sql: string, error: unknown, timedOut: boolean): SluiceError {
    const message = (error as Error).message;
    const field = this.fields.get(sql);
    const what = field ? `${field.replace(/\.sql$/, '')} (${field})` : 'SQL';
    if (timedOut) {
      return new SluiceError(
        `${what} ran longer than the SQL time limit of ${this.limits.queryTimeoutMs} ms and was interrupted.\n  in: ${sql}\nFix: make the query cheaper, or raise sql.queryTimeout in the pipeline`,
        { domain: 'user', code: 'SqlTimeLimit', cause: error },
      );
    }
    if (/Out of Memory/i.test(message)) {
      return new SluiceError(
        `${what} needs more than the SQL memory limit of ${this.limits.memoryLimit}: ${message.split('\n')[0]}\n  in: ${sql}\nFix: make the query or the window smaller, or raise sql.memoryLimit in the pipeline`,
        { domain: 'user', code: 'SqlMemoryLimit', cause: error },
      );
    }
    return new SluiceError(`${field ? `${what}: ` : ''}SQL failed: ${message}\n  in: ${sql}`, { domain: 'user', code: 'SqlError', cause: error });
  }

  /** Runs SQL and returns plain JS rows: BIGINT/HUGEINT become numbers when exact, else decimal strings; timestamps become Dates. */
  async query(sql: string): Promise<Row[]> {
    const reader = await this.timed(sql, (c) => c.runAndReadAll(sql));
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
    await this.timed(sql, (c) => c.run(sql));
  }

  /**
   * Checks, before any record is read, that a pipeline query is one read-only statement (no DDL or
   * DML on the engine's own objects, no SET, INSTALL, LOAD, PRAGMA, COPY, ATTACH) that parses and
   * binds against the current tables, without running it. Returns its result columns.
   */
  async validate(sql: string, field: string): Promise<string[]> {
    const columns = await this.exclusive(async (c) => {
      let extracted;
      try {
        extracted = await c.extractStatements(sql);
      } catch (error) {
        throw invalidOption(field, sql, `the SQL does not parse: ${(error as Error).message.split('\n')[0]}`);
      }
      if (extracted.count !== 1) throw invalidOption(field, sql, `give exactly one SELECT statement (found ${extracted.count})`);
      let prepared;
      try {
        prepared = await extracted.prepare(0);
      } catch (error) {
        throw invalidOption(field, sql, `the SQL does not compile: ${(error as Error).message.split('\n')[0]}`);
      }
      try {
        const type = prepared.statementType;
        if (!READ_ONLY.has(type)) {
          throw invalidOption(
            field,
            sql,
            `an output runs one SELECT (a ${StatementType[type] ?? 'non-query'} statement would change or reach outside the engine's own tables and views); write a SELECT over the view`,
          );
        }
        return Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
      } finally {
        prepared.destroySync();
      }
    });
    this.fields.set(sql, field);
    return columns;
  }

  /**
   * Waits for the running statement (interrupting it), then closes the connection and the
   * database. Idempotent; safe to call without awaiting.
   */
  /** Interrupts the running statement, if any: it fails with DuckDB's "Interrupted" error. */
  interrupt(): void {
    if (this.active) this.connection.interrupt();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      live.delete(this);
      this.interrupt();
      await this.tail;
      this.connection.closeSync();
      this.instance.closeSync();
    })();
    return this.closing;
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
    await this.engine.exclusive(async (connection) => {
      const appender = await connection.createAppender(this.name);
      try {
        for (const row of rows) {
          for (const col of this.columns) appendValue(appender, col.type, col.name in extra ? extra[col.name] : row[col.name]);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
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
