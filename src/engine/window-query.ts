import { StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { SluiceError } from '../errors.js';
import { RowTable, SqlEngine, type SqlColumn } from '../sql/engine.js';
import { quoteIdent, type SqlType } from '../sql/types.js';
import type { Row } from './operator.js';

export interface WindowQueryLimits {
  /** Rows returned at most; more are cut and `truncated` is set. */
  maxRows: number;
  /** The query is interrupted after this long. */
  timeoutMs: number;
  /** Longest SQL text accepted, in characters. Default 10,000. */
  maxChars?: number;
}

export interface WindowQueryResult {
  columns: string[];
  rows: Row[];
  truncated: boolean;
  /** Rows in the window when the query ran. */
  windowRows: number;
  elapsedMs: number;
}

const DEFAULT_MAX_CHARS = 10_000;
const SQL_TYPES = new Set<string>(['VARCHAR', 'INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP']);

/**
 * One read-only query over the pipeline's window, for people poking at a running pipeline.
 * The window's views (`view` and `current_batch`) are copied, with one fixed SELECT each, from
 * the pipeline's connection into a fresh DuckDB made by {@link SqlEngine.create} (the same
 * lock-down as pipeline SQL: no files, network or extensions, configuration locked). The user's
 * SQL runs there only, so its time limit can interrupt it without ever interrupting a pipeline
 * query, and nothing it does reaches the pipeline's tables. Only one SELECT is accepted.
 */
export async function queryWindowReadOnly(pipeline: DuckDBConnection, views: readonly string[], sql: string, limits: WindowQueryLimits): Promise<WindowQueryResult> {
  const started = performance.now();
  const maxChars = limits.maxChars ?? DEFAULT_MAX_CHARS;
  const text = sql.trim().replace(/;\s*$/, '');
  if (text.length === 0) throw refuse('the query is empty; send one SELECT', 'EmptyQuery');
  if (text.length > maxChars) throw refuse(`the query is ${text.length} characters, more than the ${maxChars} allowed`, 'QueryTooLong');
  const engine = await SqlEngine.create();
  try {
    let windowRows = 0;
    for (const view of [...new Set(views)]) {
      const reader = await pipeline.runAndReadAll(`SELECT * FROM ${quoteIdent(view)}`);
      const columns: SqlColumn[] = reader.columnNames().map((name, i) => {
        const t = reader.columnTypes()[i]!.toString();
        return { name, type: (SQL_TYPES.has(t) ? t : 'VARCHAR') as SqlType };
      });
      const rows = reader.getRowObjectsJS() as Row[];
      if (windowRows === 0) windowRows = rows.length;
      const table = await RowTable.create(engine, view, columns);
      await table.append(rows);
    }
    const type = await statementType(engine.connection, text);
    if (type !== StatementType.SELECT) {
      throw refuse(`${StatementType[type] ?? 'this'} statements are refused: the window is read-only here; send one SELECT (or WITH ... SELECT)`, 'ReadOnly');
    }
    const limit = Math.max(1, Math.floor(limits.maxRows)) + 1;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      engine.connection.interrupt();
    }, limits.timeoutMs);
    let rows: Row[];
    let columns: string[];
    try {
      const reader = await engine.connection.runAndReadAll(`SELECT * FROM (${text}) AS dashboard_query LIMIT ${limit}`);
      columns = reader.columnNames();
      rows = reader.getRowObjectsJS() as Row[];
    } catch (error) {
      if (timedOut) throw refuse(`the query ran longer than ${limits.timeoutMs} ms and was interrupted`, 'QueryTimeout');
      throw sqlFailed(error);
    } finally {
      clearTimeout(timer);
    }
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        const v = row[key];
        if (typeof v === 'bigint') row[key] = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      }
    }
    const truncated = rows.length >= limit;
    if (truncated) rows.length = limit - 1;
    return { columns, rows, truncated, windowRows, elapsedMs: performance.now() - started };
  } finally {
    engine.close();
  }
}

async function statementType(connection: DuckDBConnection, text: string): Promise<StatementType> {
  try {
    const statements = await connection.extractStatements(text);
    if (statements.count !== 1) throw refuse(`found ${statements.count} statements; send exactly one SELECT`, 'NotOneStatement');
    const prepared = await statements.prepare(0);
    const type = prepared.statementType;
    prepared.destroySync();
    return type;
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    const message = firstLine(error);
    // COPY ... TO and file readers fail while binding: the lock-down forbids the file system.
    if (/Permission Error/i.test(message)) throw refuse(`${message}; SQL here cannot reach files, the network or extensions`, 'ReadOnly');
    throw sqlFailed(error);
  }
}

function refuse(message: string, code: string): SluiceError {
  return new SluiceError(`Refused: ${message}`, { domain: 'user', code });
}

function sqlFailed(error: unknown): SluiceError {
  return new SluiceError(`SQL failed: ${firstLine(error)}`, { domain: 'user', code: 'SqlError', cause: error });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
