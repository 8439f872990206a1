import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsCall } from '../aws/errors.js';
import { SluiceError } from '../errors.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { fromItem } from '../sinks/dynamodb/marshal.js';

export interface BrowsableTable {
  name: string;
  role: 'sink' | 'counter' | 'dead-letter' | 'checkpoint';
  /** The output writing it, for sinks. */
  output?: string;
}

export interface TablePage {
  table: string;
  items: Record<string, unknown>[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  next?: string;
  scanned: number;
}

/** The DynamoDB tables a pipeline writes: only these can be browsed. */
export function browsableTables(config: PipelineConfig): BrowsableTable[] {
  const out: BrowsableTable[] = [];
  for (const o of config.outputs) {
    if (o.sink.kind === 'dynamodb') out.push({ name: o.sink.table, role: 'sink', output: o.name });
    if (o.sink.kind === 'dynamodb-counter') out.push({ name: o.sink.table, role: 'counter', output: o.name });
  }
  if (config.deadLetter) out.push({ name: config.deadLetter.table, role: 'dead-letter' });
  out.push({ name: config.app, role: 'checkpoint' });
  return out;
}

/** Attributes that say when an item was written, newest first within a page. */
const TIME_ATTRIBUTES = ['failed_at', 'arrival_time', '_arrival', 'window_end', 'updated_at', 'batch_time'];

/**
 * One page of a table (a DynamoDB Scan of `limit` items). A scan has no order: each page is
 * sorted newest first by the first time attribute its items carry. Dead letters get
 * `raw_text`: their raw bytes decoded as UTF-8 where printable.
 */
export async function scanPage(db: DynamoDBClient, tables: readonly BrowsableTable[], name: string, cursor: string | undefined, limit: number): Promise<TablePage> {
  const table = tables.find((t) => t.name === name);
  if (!table) {
    throw new SluiceError(`Invalid table: ${JSON.stringify(name)}. Fix: use one of the pipeline's tables: ${tables.map((t) => t.name).join(', ')}`, { domain: 'user', code: 'InvalidOption' });
  }
  let start: Record<string, AttributeValue> | undefined;
  if (cursor) {
    try {
      start = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, AttributeValue>;
    } catch {
      throw new SluiceError(`Invalid cursor: ${JSON.stringify(cursor.slice(0, 40))}. Fix: pass the "next" value of the previous page unchanged`, { domain: 'user', code: 'InvalidOption' });
    }
  }
  const r = await awsCall('Scan', () => db.send(new ScanCommand({ TableName: name, Limit: limit, ...(start ? { ExclusiveStartKey: start } : {}) })));
  const items = (r.Items ?? []).map((i) => {
    const item = fromItem(i);
    if (table.role === 'dead-letter' && typeof item.raw_base64 === 'string') item.raw_text = printable(Buffer.from(item.raw_base64, 'base64'));
    return item;
  });
  const timeKey = TIME_ATTRIBUTES.find((k) => items.some((i) => i[k] !== undefined));
  if (timeKey) items.sort((a, b) => String(b[timeKey] ?? '').localeCompare(String(a[timeKey] ?? ''), undefined, { numeric: true }));
  return {
    table: name,
    items,
    scanned: r.ScannedCount ?? items.length,
    ...(r.LastEvaluatedKey ? { next: Buffer.from(JSON.stringify(r.LastEvaluatedKey)).toString('base64url') } : {}),
  };
}

/** The bytes as text when they are valid UTF-8 without control characters (tabs and newlines allowed); otherwise null. */
export function printable(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? null : text;
}
