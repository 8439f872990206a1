import type { ColumnType } from '../engine/decode/schema.js';

/** SQL column types Sluice tables use. */
export type SqlType = 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP';

export function sqlTypeOf(type: ColumnType): SqlType {
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
  }
}

/** Type of a column an operator added, guessed from its first non-null value. */
export function sqlTypeOfValue(value: unknown): SqlType {
  if (typeof value === 'number') return 'DOUBLE';
  if (typeof value === 'bigint') return 'BIGINT';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (value instanceof Date) return 'TIMESTAMP';
  return 'VARCHAR';
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
