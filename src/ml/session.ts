import { DOUBLE, DuckDBInstance, LIST, type DuckDBConnection } from '@duckdb/node-api';

const LIST_DOUBLE = LIST(DOUBLE);
import { DataFrame, quoteIdent } from './dataframe.js';
import { readCsv, type CsvOptions } from './csv-reader.js';

/**
 * The entry point, like Spark's `SparkSession`: one in-memory DuckDB database holding every
 * DataFrame of the session as a table. Close it when done (closing twice is harmless).
 *
 * @example
 * const spark = await createMlSession();
 * try {
 *   const data = await spark.read.csv('../shared/data/loan-prediction-train.csv', { header: true, inferSchema: true });
 *   data.printSchema();
 * } finally {
 *   spark.close();
 * }
 */
export class MlSession {
  private counter = 0;
  private closed = false;
  readonly read: { csv: (path: string, options?: CsvOptions) => Promise<DataFrame> };

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The session's DuckDB connection; DataFrames are tables in it. */
    readonly connection: DuckDBConnection,
    readonly appName: string,
  ) {
    this.read = { csv: (path, options) => readCsv(this, path, options ?? {}) };
  }

  static async create(options: { appName?: string } = {}): Promise<MlSession> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new MlSession(instance, connection, options.appName ?? 'sluice-ml');
  }

  /** A fresh table name for a new DataFrame. */
  nextTableName(): string {
    this.counter += 1;
    return `df_${this.counter}`;
  }

  /** Builds a DataFrame from plain rows (numbers, strings, booleans, number[] vectors, null). */
  async createDataFrame(rows: readonly Record<string, unknown>[], columns: readonly { name: string; type: 'integer' | 'long' | 'double' | 'string' | 'boolean' | 'vector' }[]): Promise<DataFrame> {
    const table = this.nextTableName();
    const sqlType = { integer: 'INTEGER', long: 'BIGINT', double: 'DOUBLE', string: 'VARCHAR', boolean: 'BOOLEAN', vector: 'DOUBLE[]' } as const;
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${sqlType[c.type]}`).join(', ');
    await this.connection.run(`CREATE TABLE ${table} (__rid BIGINT, ${defs})`);
    const appender = await this.connection.createAppender(table);
    try {
      rows.forEach((row, i) => {
        appender.appendBigInt(BigInt(i));
        for (const c of columns) {
          const v = row[c.name];
          if (v === null || v === undefined) appender.appendNull();
          else if (c.type === 'integer') appender.appendInteger(Number(v));
          else if (c.type === 'long') appender.appendBigInt(BigInt(v as number));
          else if (c.type === 'double') appender.appendDouble(Number(v));
          else if (c.type === 'boolean') appender.appendBoolean(Boolean(v));
          else if (c.type === 'string') appender.appendVarchar(String(v));
          else appender.appendList((v as readonly number[]).map(Number), LIST_DOUBLE);
        }
        appender.endRow();
      });
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return DataFrame.fromTable(this, table);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export function createMlSession(options: { appName?: string } = {}): Promise<MlSession> {
  return MlSession.create(options);
}
