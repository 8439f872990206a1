import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromItem } from '../../src/sinks/dynamodb/marshal.js';
import { countItems as countTableItems } from '../../src/demo/count.js';

export interface Sent {
  data: Uint8Array;
  shardId: string;
  sequenceNumber: string;
}

/** Puts records with plain PutRecords calls (<= 500 each) and returns where each landed. Throws on any failed record. */
export async function putAll(kinesis: KinesisClient, stream: string, payloads: readonly Uint8Array[]): Promise<Sent[]> {
  const out: Sent[] = [];
  for (let i = 0; i < payloads.length; i += 200) {
    const chunk = payloads.slice(i, i + 200);
    const r = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: chunk.map((d, j) => ({ Data: d, PartitionKey: `pk-${i + j}` })) }),
    );
    if (r.FailedRecordCount) throw new Error(`${r.FailedRecordCount} records failed`);
    r.Records!.forEach((rec, j) => out.push({ data: chunk[j]!, shardId: rec.ShardId!, sequenceNumber: rec.SequenceNumber! }));
  }
  return out;
}

/** Every item of a table, following pagination, as plain objects. */
export async function scanAll(db: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const r = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of r.Items ?? []) items.push(fromItem(item));
    start = r.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Number of items in a table; 0 while the table does not exist yet. */
export async function countItems(db: DynamoDBClient, table: string): Promise<number> {
  try {
    return await countTableItems(db, table);
  } catch (error) {
    if ((error as { code?: string }).code === 'ResourceNotFoundException') return 0;
    throw error;
  }
}
