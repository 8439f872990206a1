import {
  GetItemCommand,
  PutItemCommand,
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
import { compareSequence } from '../kinesis/position.js';
import { retry } from '../retry.js';
import { crashPoint } from './crash-points.js';
import { SHARD_END, type CheckpointStore, type ShardCheckpoint, type Snapshot } from './store.js';

export interface DynamoCheckpointStoreOptions {
  dynamodb: DynamoDBClient;
  /** The application name; the checkpoint table is named after it (as the KCL does). */
  appName: string;
  streamName: string;
  /** Identifies this worker in the table (`leaseOwner`). */
  workerId: string;
  /**
   * Whether checkpoints are conditional on holding the shard's lease (default true). A source
   * without leases (a file) checkpoints conditional on order only.
   */
  leased?: boolean;
}

const SNAPSHOT_KEY = 'snapshot';

/** A position as a fixed-width string, so DynamoDB compares positions in order; SHARD_END after all. */
export function positionSortKey(seq: string): string {
  return seq === SHARD_END ? '~' : seq.padStart(80, '0');
}

function later(a: string, b: string): boolean {
  if (a === SHARD_END) return b !== SHARD_END;
  if (b === SHARD_END) return false;
  return compareSequence(a, b) > 0;
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
  /** The current snapshot's version and chunk counts, as last loaded or saved. */
  private current: { version: string; ops: Record<string, number> } | undefined;

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
    let head: Record<string, AttributeValue> | undefined;
    const chunkKeys: { key: string; version: string }[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await retry(() =>
        awsCall('Scan', () => this.db.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }))),
      );
      for (const item of r.Items ?? []) {
        const key = item.leaseKey?.S;
        if (key === SNAPSHOT_KEY) {
          head = item;
          continue;
        }
        if (key?.startsWith('state#')) {
          if (item.snapshotChunk?.BOOL) chunkKeys.push({ key, version: item.version?.S ?? '' });
          continue;
        }
        if (!key) continue;
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
    if (head) {
      // The snapshot head is the commit point: its positions were durable when it was written, and
      // the per-shard checkpoints that follow it may not have been written before a crash.
      this.current = { version: head.version!.S!, ops: JSON.parse(head.ops!.S!) as Record<string, number> };
      for (const [shardId, seq] of Object.entries(JSON.parse(head.positions!.S!) as Record<string, string>)) {
        const c = out.get(shardId);
        if (!c || !c.checkpoint || later(seq, c.checkpoint)) out.set(shardId, { shardId, checkpoint: seq, updatedAt: new Date(Number(head.updatedAt?.N ?? 0)) });
      }
    }
    // Chunks of snapshots never made current (a crash before the head) or already replaced.
    const garbage = chunkKeys.filter((c) => c.version !== this.current?.version).map((c) => c.key);
    if (garbage.length > 0) await this.deleteKeys(garbage);
    return out;
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      await batchWriteAll(this.db, this.tableName, keys.slice(i, i + 25).map((k) => ({ DeleteRequest: { Key: { leaseKey: { S: k } } } })), { retries: 12 });
    }
  }

  /**
   * Conditional on holding the shard's lease (`leaseOwner` = this worker), as the KCL checkpoints,
   * and on order: a checkpoint never moves backwards (a worker that lost a shard and got it back
   * before its window fired cannot undo another's progress). A refused backward move is skipped.
   */
  async save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[] }> {
    const now = String(Date.now());
    const lost: string[] = [];
    const leased = this.options.leased ?? true;
    await Promise.all(
      [...checkpoints].map(async ([shardId, seq]) => {
        try {
          await retry(() =>
            awsCall('UpdateItem', () =>
              this.db.send(
                new UpdateItemCommand({
                  TableName: this.tableName,
                  Key: { leaseKey: { S: shardId } },
                  UpdateExpression: 'SET checkpoint = :seq, checkpointSort = :sort, updatedAt = :now, streamName = :stream',
                  ConditionExpression: `${leased ? 'leaseOwner = :me AND ' : ''}(attribute_not_exists(checkpointSort) OR checkpointSort <= :sort)`,
                  ExpressionAttributeValues: {
                    ':seq': { S: seq },
                    ':sort': { S: positionSortKey(seq) },
                    ':now': { N: now },
                    ':stream': { S: this.options.streamName },
                    ...(leased ? { ':me': { S: this.options.workerId } } : {}),
                  },
                }),
              ),
            ),
          );
        } catch (error) {
          if (!(error instanceof SluiceError && error.code === 'ConditionalCheckFailedException')) throw error;
          // Lost the lease, or the checkpoint is already further on: tell which.
          const r = await retry(() => awsCall('GetItem', () => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: shardId } }, ConsistentRead: true }))));
          if (leased && r.Item?.leaseOwner?.S !== this.options.workerId) lost.push(shardId);
        }
      }),
    );
    return { lost };
  }

  async saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>): Promise<{ lost: string[] }> {
    const version = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const ops: Record<string, number> = {};
    const writes: WriteRequest[] = [];
    for (const [name, value] of state) {
      const bytes = gzipSync(Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'));
      let n = 0;
      for (let off = 0; off < bytes.length || n === 0; off += STATE_CHUNK_BYTES, n++) {
        writes.push({
          PutRequest: {
            Item: {
              leaseKey: { S: `state#${name}#${version}#${n}` },
              data: { B: bytes.subarray(off, off + STATE_CHUNK_BYTES) },
              version: { S: version },
              snapshotChunk: { BOOL: true },
              streamName: { S: this.options.streamName },
            },
          },
        });
      }
      ops[name] = n;
    }
    // 1. The new version's chunks, beside the current ones (BatchWriteItem takes 16 MB: 10 chunks a call).
    for (let i = 0; i < writes.length; i += 10) await batchWriteAll(this.db, this.tableName, writes.slice(i, i + 10), { retries: 12 });
    crashPoint('snapshot-chunks');
    // 2. One write makes it current, with the positions it covers: the commit point.
    await retry(() =>
      awsCall('PutItem', () =>
        this.db.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              leaseKey: { S: SNAPSHOT_KEY },
              version: { S: version },
              ops: { S: JSON.stringify(ops) },
              positions: { S: JSON.stringify(Object.fromEntries(positions)) },
              streamName: { S: this.options.streamName },
              updatedAt: { N: String(Date.now()) },
              writer: { S: this.options.workerId },
            },
          }),
        ),
      ),
    );
    crashPoint('snapshot-head');
    // 3. The per-shard checkpoints, for leases, other workers and `sluice status`.
    const result = await this.save(positions);
    crashPoint('snapshot-checkpoints');
    // 4. The previous version's chunks.
    const previous = this.current;
    this.current = { version, ops };
    if (previous && previous.version !== version) {
      await this.deleteKeys(Object.entries(previous.ops).flatMap(([name, n]) => Array.from({ length: n }, (_, i) => `state#${name}#${previous.version}#${i}`)));
    }
    crashPoint('snapshot-cleanup');
    return result;
  }

  async loadSnapshot(): Promise<Snapshot | undefined> {
    const head = await retry(() => awsCall('GetItem', () => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: SNAPSHOT_KEY } }, ConsistentRead: true }))));
    if (!head.Item) return undefined;
    const version = head.Item.version!.S!;
    const ops = JSON.parse(head.Item.ops!.S!) as Record<string, number>;
    this.current = { version, ops };
    const state = new Map<string, unknown>();
    for (const [name, n] of Object.entries(ops)) {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        const r = await retry(() =>
          awsCall('GetItem', () => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: `state#${name}#${version}#${i}` } }, ConsistentRead: true }))),
        );
        if (!r.Item?.data?.B) {
          throw new SluiceError(`snapshot ${version} of ${this.tableName} lacks chunk ${i} of operator ${name}; the table was changed by hand or by another tool`, { domain: 'external', code: 'TornState' });
        }
        parts.push(r.Item.data.B);
      }
      state.set(name, JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')));
    }
    return { version, positions: new Map(Object.entries(JSON.parse(head.Item.positions!.S!) as Record<string, string>)), state };
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
