import { describeValue } from '../../errors.js';
import type { ColumnSpec } from './schema.js';

/** A field that does not fit its column: the reason names the field, the value and the fix. */
export class FieldError extends Error {}

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Converts one CSV text field to its column's type. */
export function convertText(col: ColumnSpec, raw: string): unknown {
  const text = col.type === 'string' ? raw : raw.trim();
  if (text === '' && col.type !== 'string') {
    if (col.nullable) return null;
    throw new FieldError(`field ${col.name}: empty value for a non-nullable ${col.type} column; fix: send a value or declare the column nullable`);
  }
  switch (col.type) {
    case 'string':
      if (text === '' && !col.nullable) {
        throw new FieldError(`field ${col.name}: empty value for a non-nullable string column; fix: send a value or declare the column nullable`);
      }
      return text === '' ? null : text;
    case 'int':
    case 'long': {
      if (!INT.test(text)) {
        throw new FieldError(`field ${col.name}: ${describeValue(raw)} is not an integer; fix: send a whole number such as 42, or declare the column as double or string`);
      }
      const n = Number(text);
      const limit = col.type === 'int' ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
      if (n >= limit || n < -limit) {
        throw new FieldError(`field ${col.name}: ${describeValue(raw)} is out of range for ${col.type}; fix: declare the column as ${col.type === 'int' ? 'long' : 'double'}`);
      }
      return n;
    }
    case 'double': {
      const lower = text.toLowerCase();
      if (lower === 'nan') return Number.NaN;
      if (lower === 'infinity' || lower === '+infinity' || lower === 'inf') return Number.POSITIVE_INFINITY;
      if (lower === '-infinity' || lower === '-inf') return Number.NEGATIVE_INFINITY;
      if (!NUM.test(text)) throw new FieldError(`field ${col.name}: ${describeValue(raw)} is not a number; fix: send a decimal number such as 21.5`);
      return Number(text);
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      throw new FieldError(`field ${col.name}: ${describeValue(raw)} is not a boolean; fix: send true or false`);
    }
    case 'timestamp':
      return parseTimestamp(col, text);
  }
}

function parseTimestamp(col: ColumnSpec, text: string): number {
  const ms = /^\d{10,13}$/.test(text) ? (text.length === 13 ? Number(text) : Number(text) * 1000) : Date.parse(text.replace(' ', 'T'));
  if (Number.isNaN(ms)) {
    throw new FieldError(`field ${col.name}: ${describeValue(text)} is not a timestamp; fix: send ISO-8601 (2026-11-23T10:00:00Z) or epoch seconds/milliseconds`);
  }
  return ms;
}

/** Converts one JSON value to its column's type (no coercion of strings to numbers except timestamps). */
export function convertJson(col: ColumnSpec, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (col.nullable) return null;
    throw new FieldError(`field ${col.name}: ${value === undefined ? 'missing' : 'null'} in a non-nullable ${col.type} column; fix: send the field or declare it nullable`);
  }
  switch (col.type) {
    case 'string':
      if (typeof value !== 'string') throw new FieldError(`field ${col.name}: ${describeValue(value)} is not a string; fix: send a JSON string`);
      return value;
    case 'int':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new FieldError(`field ${col.name}: ${describeValue(value)} is not an integer; fix: send a JSON whole number such as 42`);
      }
      const limit = col.type === 'int' ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
      if (value >= limit || value < -limit) throw new FieldError(`field ${col.name}: ${value} is out of range for ${col.type}; fix: declare the column as ${col.type === 'int' ? 'long' : 'double'}`);
      return value;
    }
    case 'double':
      if (typeof value !== 'number') throw new FieldError(`field ${col.name}: ${describeValue(value)} is not a number; fix: send a JSON number`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new FieldError(`field ${col.name}: ${describeValue(value)} is not a boolean; fix: send true or false`);
      return value;
    case 'timestamp':
      if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
      if (typeof value !== 'string') throw new FieldError(`field ${col.name}: ${describeValue(value)} is not a timestamp; fix: send an ISO-8601 string or epoch milliseconds`);
      return parseTimestamp(col, value);
  }
}
