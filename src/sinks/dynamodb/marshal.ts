import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Column, Field } from '../../core/batch.js';

/**
 * Converts a row into a DynamoDB item. Numbers that DynamoDB cannot hold (NaN, +-Infinity) are
 * stored as strings so that nothing is silently lost; Dates as ISO-8601 strings; objects as maps.
 * Empty strings are allowed by DynamoDB for non-key attributes.
 */
export function toAttribute(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      return Number.isFinite(value) ? { N: String(value) } : { S: String(value) };
    case 'bigint':
      return { N: value.toString() };
    case 'boolean':
      return { BOOL: value };
    default:
      break;
  }
  if (value instanceof Date) return { S: value.toISOString() };
  if (value instanceof Uint8Array) return { B: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  if (typeof value === 'object') {
    const m: Record<string, AttributeValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) m[k] = toAttribute(v);
    return { M: m };
  }
  return { S: String(value) };
}

export function fromAttribute(a: AttributeValue): unknown {
  if (a.S !== undefined) return a.S;
  if (a.N !== undefined) return Number(a.N);
  if (a.BOOL !== undefined) return a.BOOL;
  if (a.NULL) return null;
  if (a.B !== undefined) return a.B;
  if (a.L) return a.L.map(fromAttribute);
  if (a.M) return fromItem(a.M);
  if (a.SS) return a.SS;
  if (a.NS) return a.NS.map(Number);
  return undefined;
}

export function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttribute(v);
  return out;
}

/** Approximate DynamoDB item size (names + values), to refuse items over 400 KB before sending. */
export function itemSize(item: Record<string, AttributeValue>): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) n += Buffer.byteLength(k) + attributeSize(v);
  return n;
}

function attributeSize(a: AttributeValue): number {
  if (a.S !== undefined) return Buffer.byteLength(a.S);
  if (a.N !== undefined) return Math.ceil(a.N.length / 2) + 1;
  if (a.B !== undefined) return a.B.byteLength;
  if (a.L) return 3 + a.L.reduce((s, x) => s + 1 + attributeSize(x), 0);
  if (a.M) return 3 + Object.entries(a.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + attributeSize(x), 0);
  return 1;
}

/** Marshals physical row `p` of one column into an attribute value. */
export type ColumnMarshaller = (p: number) => AttributeValue;

/**
 * One marshaller per column, chosen once per batch by the column's type, so the per-value work is
 * a typed-array read and one small object: no type switch per value. Same conversions as
 * {@link toAttribute}: non-finite numbers as strings, timestamps as ISO-8601 strings.
 */
export function columnMarshaller(field: Field, col: Column): ColumnMarshaller {
  const valid = col.valid;
  const NULL: AttributeValue = { NULL: true };
  switch (field.type) {
    case 'string': {
      const values = col.values as (string | null)[];
      return (p) => {
        const v = values[p];
        return v === null || v === undefined ? NULL : { S: v };
      };
    }
    case 'boolean': {
      const values = col.values as Uint8Array;
      return (p) => (valid && valid[p] === 0 ? NULL : { BOOL: values[p] === 1 });
    }
    case 'timestamp': {
      const values = col.values as Float64Array;
      return (p) => (valid && valid[p] === 0 ? NULL : { S: new Date(values[p]!).toISOString() });
    }
    default: {
      const values = col.values as Float64Array | Int32Array;
      return (p) => {
        if (valid && valid[p] === 0) return NULL;
        const v = values[p]!;
        return Number.isFinite(v) ? { N: String(v) } : { S: String(v) };
      };
    }
  }
}
