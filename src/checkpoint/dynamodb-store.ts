import {
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ensureTable } from '../aws/admin.js';
import { batchWriteAll } from '../aws/batch-write.js';
import { awsCall } from '../aws/errors.js';
import { SluiceError, invalidOption } from '../errors.js';
import { retry } from '../retry.js';
import type { CheckpointStore, ShardCheckpoint } from './store.js';

export interface DynamoCheckpointStoreOptions {
  dynamodb: DynamoDBClient;
  /** The application name; the checkpoint table is named after it (as the KCL does). */
  appName: string;
  streamName: string;
  /** Identifies this worker in the table (`leaseOwner`). */
  workerId: string;
}

/** DynamoDB items hold at most 400 KB; operator state is gzipped and split into chunks below that. */
const STATE_CHUNK_BYTES = 300_000;

/**
 * Checkpoints in a DynamoDB table named after the application, one item per shard
 * (`leaseKey` = shard id, `checkpoint` = sequence number), in the KCL's layout, plus operator
 * state under `leaseKey` = `state#<operator>#<chunk>`.
 * Every item records the stream it belongs to, so an application name reused for another stream
 * is refused with a clear error instead of resuming at foreign sequence numbers.
 */
export class DynamoCheckpointStore implements CheckpointStore {
  readonly tableName: string;
  private readonly db: DynamoDBClient;

  constructor(private readonly options: DynamoCheckpointStoreOptions) {
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(options.appName)) {
      throw invalidOption('appName', options.appName, 'use 3-255 characters from a-z A-Z 0-9 _ . - (it names the DynamoDB checkpoint table)');
    }
    this.tableName = options.appName;
    this.db = options.dynamodb;
  }

  async init(): Promise<void> {
    await ensureTable(this.db, this.tableName, { partitionKey: { name: 'leaseKey', type: 'S' } });
  }

  async load(): Promise<Map<string, ShardCheckpoint>> {
    const out = new Map<string, ShardCheckpoint>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await retry(() =>
        awsCall('Scan', () => this.db.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }))),
      );
      for (const item of r.Items ?? []) {
        const key = item.leaseKey?.S;
        if (!key || key.startsWith('state#')) continue;
        const stream = item.streamName?.S;
        if (stream && stream !== this.options.streamName) {
          throw invalidOption(
            'appName',
            this.options.appName,
            `its checkpoint table holds checkpoints of stream ${JSON.stringify(stream)}, not ${JSON.stringify(this.options.streamName)}; give each application its own name`,
          );
        }
        out.set(key, { shardId: key, checkpoint: item.checkpoint?.S ?? '', updatedAt: new Date(Number(item.updatedAt?.N ?? 0)) });
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Conditional on holding the shard's lease (`leaseOwner` = this worker), as the KCL checkpoints. */
  async save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[] }> {
    const now = String(Date.now());
    const lost: string[] = [];
    await Promise.all(
      [...checkpoints].map(async ([shardId, seq]) => {
        try {
          await retry(() =>
            awsCall('UpdateItem', () =>
              this.db.send(
                new UpdateItemCommand({
                  TableName: this.tableName,
                  Key: { leaseKey: { S: shardId } },
                  UpdateExpression: 'SET checkpoint = :seq, updatedAt = :now, streamName = :stream',
                  ConditionExpression: 'leaseOwner = :me',
                  ExpressionAttributeValues: { ':seq': { S: seq }, ':now': { N: now }, ':stream': { S: this.options.streamName }, ':me': { S: this.options.workerId } },
                }),
              ),
            ),
          );
        } catch (error) {
          if (error instanceof SluiceError && error.code === 'ConditionalCheckFailedException') lost.push(shardId);
          else throw error;
        }
      }),
    );
    return { lost };
  }

  async loadState(name: string): Promise<unknown> {
    const head = await retry(() =>
      awsCall('GetItem', () =>
        this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: `state#${name}#0` } }, ConsistentRead: true })),
      ),
    );
    if (!head.Item) return undefined;
    const chunks = Number(head.Item.chunks?.N ?? 1);
    const version = head.Item.version?.S;
    const parts: Uint8Array[] = [head.Item.data!.B!];
    for (let i = 1; i < chunks; i++) {
      const r = await retry(() =>
        awsCall('GetItem', () =>
          this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: `state#${name}#${i}` } }, ConsistentRead: true })),
        ),
      );
      if (!r.Item || r.Item.version?.S !== version) {
        throw new SluiceError(`Operator state ${name} is torn (chunk ${i} of ${chunks} missing or from another version)`, {
          domain: 'external',
          code: 'TornState',
        });
      }
      parts.push(r.Item.data!.B!);
    }
    return JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8'));
  }

  /**
   * Saves operator state. Chunks other than the head are written first, the head (which names the
   * chunk count and version) last, so a crash mid-save leaves the previous head pointing at a
   * version whose chunks it can detect as torn.
   */
  async saveState(name: string, state: unknown): Promise<void> {
    const bytes = gzipSync(Buffer.from(JSON.stringify(state), 'utf8'));
    const version = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const chunks: Buffer[] = [];
    for (let off = 0; off < bytes.length || chunks.length === 0; off += STATE_CHUNK_BYTES) chunks.push(bytes.subarray(off, off + STATE_CHUNK_BYTES));
    const item = (i: number): WriteRequest => ({
      PutRequest: {
        Item: {
          leaseKey: { S: `state#${name}#${i}` },
          data: { B: chunks[i]! },
          version: { S: version },
          chunks: { N: String(chunks.length) },
          streamName: { S: this.options.streamName },
        },
      },
    });
    for (let i = 1; i < chunks.length; i++) await batchWriteAll(this.db, this.tableName, [item(i)], { retries: 12 });
    await batchWriteAll(this.db, this.tableName, [item(0)], { retries: 12 });
  }

  /** Query helper for tests and `sluice status`: the raw checkpoint of one shard. */
  async get(shardId: string): Promise<string | undefined> {
    const r = await awsCall('Query', () =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'leaseKey = :k',
          ExpressionAttributeValues: { ':k': { S: shardId } },
          ConsistentRead: true,
        }),
      ),
    );
    return r.Items?.[0]?.checkpoint?.S;
  }

  close(): void {
    /* the client belongs to the caller */
  }
}
