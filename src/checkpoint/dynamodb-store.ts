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
import { WORKER_KEY_PREFIX } from './lease-store.js';
import { crashPoint } from './crash-points.js';
import { STATE_CHUNK_BYTES, decodeKeyedChunks, encodeKeyedChunks, type KeyedEntry } from './keyed-chunks.js';
import { SHARD_END, type CheckpointStore, type ShardCheckpoint, type KeyedState, type ShardSnapshot, type ShardState, type Snapshot } from './store.js';

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
/** Unreferenced chunks of another worker are left alone this long (it may be mid-snapshot). */
const FOREIGN_GARBAGE_MS = 10 * 60_000;

/** A position as a fixed-width string, so DynamoDB compares positions in order; SHARD_END after all. */
export function positionSortKey(seq: string): string {
  return seq === SHARD_END ? '~' : seq.padStart(80, '0');
}

function later(a: string, b: string): boolean {
  if (a === SHARD_END) return b !== SHARD_END;
  if (b === SHARD_END) return false;
  return compareSequence(a, b) > 0;
}

/** A shard's keyed state: per bucket, the version of its chunks and how many there are. */
type Manifest = Record<string, { readonly v: string; readonly n: number }>;
/** The snapshot head's record of a shard's keyed state, with the position it is exactly as of. */
interface HeadShard {
  readonly checkpoint: string;
  readonly buckets: Manifest;
}

const keyedChunkKey = (version: string, shardId: string, bucket: number | string, i: number) => `state#${version}#${shardId}#${bucket}#${i}`;
const refsOf = (m: Manifest | undefined) => new Set(Object.entries(m ?? {}).map(([b, r]) => `${b}#${r.v}`));
const parseManifest = (v: AttributeValue | undefined): Manifest | undefined => (v?.S ? (JSON.parse(v.S) as Manifest) : undefined);

/**
 * Checkpoints in a DynamoDB table named after the application, one item per shard
 * (`leaseKey` = shard id, `checkpoint` = sequence number), in the KCL's layout. A shard's keyed
 * state (partitioned holders: the anomaly operator's models of the keys that arrived on it) is
 * committed by that same item: its `stateBuckets` names, per bucket of keys, the version and
 * count of the chunks `state#<version>#<shard>#<bucket>#<n>`, written before it; a snapshot
 * rewrites only the buckets whose keys changed. Whole-state holders' state is one snapshot per
 * application: chunks `state#<holder>#<version>#<n>` and a head item `snapshot` naming them.
 * Every item records the stream it belongs to, so an application name reused for another stream
 * is refused with a clear error instead of resuming at foreign sequence numbers.
 */
export class DynamoCheckpointStore implements CheckpointStore {
  readonly tableName: string;
  private readonly db: DynamoDBClient;
  /** The current whole-state snapshot's version and chunk counts, as last loaded or saved. */
  private current: { version: string; ops: Record<string, number> } | undefined;
  /** The keyed state the current head names, per shard (carried into the next head). */
  private headShards: Record<string, HeadShard> = {};
  /** Per shard, the keyed state this worker last loaded or committed (a snapshot rewrites only changed buckets on top of it). */
  private readonly manifests = new Map<string, Manifest>();

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
    const chunks: { key: string; version: string; shard: string | undefined; bucket: string; writer: string | undefined; writtenAt: number }[] = [];
    const referenced = new Set<string>();
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
          if (item.snapshotChunk?.BOOL) chunks.push({ key, version: item.version?.S ?? '', shard: item.shard?.S, bucket: item.bucket?.N ?? '', writer: item.writer?.S, writtenAt: Number(item.writtenAt?.N ?? 0) });
          continue;
        }
        if (!key || key.startsWith(WORKER_KEY_PREFIX)) continue;
        const stream = item.streamName?.S;
        if (stream && stream !== this.options.streamName) {
          throw invalidOption(
            'appName',
            this.options.appName,
            `its checkpoint table holds checkpoints of stream ${JSON.stringify(stream)}, not ${JSON.stringify(this.options.streamName)}; give each application its own name`,
          );
        }
        for (const ref of refsOf(parseManifest(item.stateBuckets))) referenced.add(`${key}#${ref}`);
        out.set(key, { shardId: key, checkpoint: item.checkpoint?.S ?? '', updatedAt: new Date(Number(item.updatedAt?.N ?? 0)) });
      }
      start = r.LastEvaluatedKey;
    } while (start);
    if (head) {
      // The snapshot head is the commit point of the whole-state holders: its positions were durable
      // when it was written, and the per-shard checkpoints that follow it may not have been written
      // before a crash. Where it is ahead of a shard's item, so is the keyed state it names.
      this.readHead(head);
      for (const [shardId, h] of Object.entries(this.headShards)) for (const ref of refsOf(h.buckets)) referenced.add(`${shardId}#${ref}`);
      for (const [shardId, seq] of Object.entries(JSON.parse(head.positions!.S!) as Record<string, string>)) {
        const c = out.get(shardId);
        if (!c || !c.checkpoint || later(seq, c.checkpoint)) out.set(shardId, { shardId, checkpoint: seq, updatedAt: new Date(Number(head.updatedAt?.N ?? 0)) });
      }
    }
    // Chunks of snapshots never made current (a crash before their commit) or already replaced.
    // Another worker's may belong to a snapshot it is writing now: those only once they are old.
    const now = Date.now();
    const garbage = chunks
      .filter((c) => (c.shard === undefined ? c.version !== this.current?.version : !referenced.has(`${c.shard}#${c.bucket}#${c.version}`)))
      .filter((c) => c.writer === undefined || c.writer === this.options.workerId || now - c.writtenAt > FOREIGN_GARBAGE_MS)
      .map((c) => c.key);
    if (garbage.length > 0) await this.deleteKeys(garbage);
    return out;
  }

  private readHead(head: Record<string, AttributeValue>): void {
    this.current = { version: head.version!.S!, ops: JSON.parse(head.ops!.S!) as Record<string, number> };
    this.headShards = head.shards?.S ? (JSON.parse(head.shards.S) as Record<string, HeadShard>) : {};
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      await batchWriteAll(this.db, this.tableName, keys.slice(i, i + 25).map((k) => ({ DeleteRequest: { Key: { leaseKey: { S: k } } } })), { retries: 12 });
    }
  }

  /**
   * Conditional on holding the shard's lease (`leaseOwner` = this worker), as the KCL checkpoints,
   * and on order: a checkpoint never moves backwards (a worker that lost a shard and got it back
   * before its window fired cannot undo another's progress). A refused write is reported in
   * `refused` (and in `lost` too when the lease is another's).
   */
  async save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[]; refused: string[] }> {
    const lost: string[] = [];
    const refused: string[] = [];
    await Promise.all(
      [...checkpoints].map(async ([shardId, seq]) => {
        const r = await this.commitShard(shardId, seq);
        if (r.lost) lost.push(shardId);
        if (!r.written) refused.push(shardId);
      }),
    );
    return { lost, refused };
  }

  /**
   * One shard's checkpoint, and with `keyed` the manifest of its keyed state: one conditional
   * write, the commit point of that shard's state. Returns whether it was written, whether the
   * lease was lost, and the manifest it replaced.
   */
  private async commitShard(shardId: string, seq: string, keyed?: { version: string; manifest: Manifest }): Promise<{ written: boolean; lost: boolean; replaced?: Manifest }> {
    const leased = this.options.leased ?? true;
    try {
      const r = await retry(() =>
        awsCall('UpdateItem', () =>
          this.db.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: { leaseKey: { S: shardId } },
              UpdateExpression: `SET checkpoint = :seq, checkpointSort = :sort, updatedAt = :now, streamName = :stream${keyed ? ', stateVersion = :ver, stateBuckets = :buckets' : ''}`,
              ConditionExpression: `${leased ? 'leaseOwner = :me AND ' : ''}(attribute_not_exists(checkpointSort) OR checkpointSort <= :sort)`,
              ExpressionAttributeValues: {
                ':seq': { S: seq },
                ':sort': { S: positionSortKey(seq) },
                ':now': { N: String(Date.now()) },
                ':stream': { S: this.options.streamName },
                ...(leased ? { ':me': { S: this.options.workerId } } : {}),
                ...(keyed ? { ':ver': { S: keyed.version }, ':buckets': { S: JSON.stringify(keyed.manifest) } } : {}),
              },
              ...(keyed ? { ReturnValues: 'UPDATED_OLD' as const } : {}),
            }),
          ),
        ),
      );
      const replaced = parseManifest(r.Attributes?.stateBuckets);
      return { written: true, lost: false, ...(replaced ? { replaced } : {}) };
    } catch (error) {
      if (!(error instanceof SluiceError && error.code === 'ConditionalCheckFailedException')) throw error;
      // Lost the lease, or the checkpoint is already further on: tell which.
      const r = await retry(() => awsCall('GetItem', () => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: shardId } }, ConsistentRead: true }))));
      return { written: false, lost: leased && r.Item?.leaseOwner?.S !== this.options.workerId };
    }
  }

  async saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>, shards?: ReadonlyMap<string, ShardState>): Promise<{ lost: string[]; refused: string[] }> {
    const version = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const writtenAt = { N: String(Date.now()) };
    const writer = { S: this.options.workerId };
    let writes: WriteRequest[] = [];
    // BatchWriteItem takes 16 MB: 10 chunks a call. Chunks are sent as they fill, not held.
    const flush = async (all: boolean) => {
      while (writes.length >= 10 || (all && writes.length > 0)) {
        await batchWriteAll(this.db, this.tableName, writes.slice(0, 10), { retries: 12 });
        writes = writes.slice(10);
      }
    };
    // 1. The new version's chunks, beside the current ones: whole-state holders, then per shard its keys.
    const ops: Record<string, number> = {};
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
              writer,
              writtenAt,
            },
          },
        });
        await flush(false);
      }
      ops[name] = n;
    }
    // Per shard, the changed buckets' chunks under the new version; the others stay as they are.
    const keyed = new Map<string, { version: string; manifest: Manifest }>();
    for (const [shardId, buckets] of shards ?? []) {
      const manifest: Manifest = { ...this.manifests.get(shardId) };
      for (const [bucket, holders] of buckets) {
        let n = 0;
        for (const data of encodeKeyedChunks(entriesOf(holders))) {
          writes.push({
            PutRequest: {
              Item: {
                leaseKey: { S: keyedChunkKey(version, shardId, bucket, n++) },
                data: { B: data },
                version: { S: version },
                shard: { S: shardId },
                bucket: { N: String(bucket) },
                snapshotChunk: { BOOL: true },
                streamName: { S: this.options.streamName },
                writer,
                writtenAt,
              },
            },
          });
          await flush(false);
        }
        if (n > 0) manifest[bucket] = { v: version, n };
        else delete manifest[bucket];
      }
      keyed.set(shardId, { version, manifest });
    }
    await flush(true);
    crashPoint('snapshot-chunks');
    // 2. With whole-state holders: one write makes their state current, with the positions it
    // covers and the keyed state that goes with them (the commit point of the whole state).
    const previousHead = this.headShards;
    if (state.size > 0) {
      const headShards: Record<string, HeadShard> = {};
      for (const [shardId, h] of Object.entries(previousHead)) if (positions.get(shardId) === h.checkpoint) headShards[shardId] = h;
      for (const [shardId, ref] of keyed) {
        const checkpoint = positions.get(shardId);
        if (checkpoint !== undefined) headShards[shardId] = { checkpoint, buckets: ref.manifest };
      }
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
                shards: { S: JSON.stringify(headShards) },
                streamName: { S: this.options.streamName },
                updatedAt: { N: String(Date.now()) },
                writer,
              },
            }),
          ),
        ),
      );
      this.headShards = headShards;
      crashPoint('snapshot-head');
    }
    // 3. Per shard, one conditional write (lease and order) of its checkpoint naming its keyed
    // state: the commit point of that shard. The first alone, so a test can stop between shards.
    const lost: string[] = [];
    const refused: string[] = [];
    const stale: string[] = [];
    /** Deletes a shard's chunk sets that neither its item nor the head names any more. */
    const drop = (shardId: string, candidates: Manifest[], keep: Manifest[]) => {
      const kept = new Set(keep.flatMap((m) => [...refsOf(m)]));
      const seen = new Set<string>();
      for (const m of candidates) {
        for (const [bucket, r] of Object.entries(m)) {
          const ref = `${bucket}#${r.v}`;
          if (kept.has(ref) || seen.has(ref)) continue;
          seen.add(ref);
          for (let i = 0; i < r.n; i++) stale.push(keyedChunkKey(r.v, shardId, bucket, i));
        }
      }
    };
    const commit = async ([shardId, seq]: [string, string]) => {
      const ref = keyed.get(shardId);
      const r = await this.commitShard(shardId, seq, ref);
      if (r.lost) lost.push(shardId);
      if (!ref) {
        if (!r.written) refused.push(shardId);
        return;
      }
      const inNewHead = state.size > 0 ? this.headShards[shardId]?.buckets : undefined;
      if (!r.written) {
        // Refused (lease lost, or the checkpoint is further on): this version never became current
        // for the shard's item (the new head may still name it; it is then cleared once unnamed).
        refused.push(shardId);
        const fresh = Object.fromEntries(Object.entries(ref.manifest).filter(([, m]) => m.v === ref.version));
        return drop(shardId, [fresh], [inNewHead ?? {}]);
      }
      this.manifests.set(shardId, ref.manifest);
      // Replaced: what the item named before, and what the previous head named, unless still named.
      drop(shardId, [r.replaced ?? {}, previousHead[shardId]?.buckets ?? {}], [ref.manifest, inNewHead ?? this.headShards[shardId]?.buckets ?? {}]);
    };
    // With keyed state, a shard's item moves only with its state: a shard not in this snapshot
    // keeps its item (its position is in the head when the head is ahead of it).
    const order = (shards ? [...positions].filter(([s]) => keyed.has(s)) : [...positions]).sort(([a], [b]) => Number(!keyed.has(a)) - Number(!keyed.has(b)) || a.localeCompare(b));
    if (order.length > 0) {
      await commit(order[0]!);
      if (keyed.size > 0) crashPoint('snapshot-shard');
      await Promise.all(order.slice(1).map(commit));
    }
    crashPoint('snapshot-checkpoints');
    // 4. What no longer is current: the previous versions' chunks, and the chunks of refused shards.
    const previous = this.current;
    if (state.size > 0) this.current = { version, ops };
    if (state.size > 0 && previous && previous.version !== version) {
      stale.push(...Object.entries(previous.ops).flatMap(([name, n]) => Array.from({ length: n }, (_, i) => `state#${name}#${previous.version}#${i}`)));
    }
    if (stale.length > 0) await this.deleteKeys(stale);
    crashPoint('snapshot-cleanup');
    return { lost, refused };
  }

  async loadSnapshot(): Promise<Snapshot | undefined> {
    const head = await retry(() => awsCall('GetItem', () => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: SNAPSHOT_KEY } }, ConsistentRead: true }))));
    if (!head.Item) return undefined;
    this.readHead(head.Item);
    const { version, ops } = this.current!;
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

  async loadShardState(shardId: string): Promise<ShardSnapshot | undefined> {
    const get = (key: string) => retry(() => awsCall('GetItem', () => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { leaseKey: { S: key } }, ConsistentRead: true }))));
    const [item, head] = await Promise.all([get(shardId), get(SNAPSHOT_KEY)]);
    const cp = item.Item?.checkpoint?.S;
    let chosen: HeadShard | undefined = cp ? { checkpoint: cp, buckets: parseManifest(item.Item?.stateBuckets) ?? {} } : undefined;
    const inHead = head.Item?.shards?.S ? (JSON.parse(head.Item.shards.S) as Record<string, HeadShard>)[shardId] : undefined;
    // The later of the two commit points names the state.
    if (inHead && (!cp || later(inHead.checkpoint, cp))) chosen = inHead;
    if (!chosen) {
      this.manifests.delete(shardId);
      return undefined;
    }
    // Every chunk of every bucket, 32 reads in flight; then each bucket decoded one key at a time.
    const wanted = Object.entries(chosen.buckets).flatMap(([bucket, r]) => Array.from({ length: r.n }, (_, i) => ({ bucket, v: r.v, i })));
    const data = new Array<Uint8Array>(wanted.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(32, wanted.length) }, async () => {
        while (next < wanted.length) {
          const k = next++;
          const w = wanted[k]!;
          const c = await get(keyedChunkKey(w.v, shardId, w.bucket, w.i));
          if (!c.Item?.data?.B) {
            throw new SluiceError(`state ${w.v} of shard ${shardId} (bucket ${w.bucket}) in ${this.tableName} lacks chunk ${w.i}; the table was changed by hand or by another tool`, {
              domain: 'external',
              code: 'TornState',
            });
          }
          data[k] = c.Item.data.B;
        }
      }),
    );
    const state = new Map<string, [string, unknown][]>();
    let at = 0;
    for (const [bucket, r] of Object.entries(chosen.buckets)) {
      const parts = data.slice(at, at + r.n);
      at += r.n;
      for (const [holder, key, value] of decodeKeyedChunks(parts, `${r.v} of shard ${shardId} bucket ${bucket}`)) {
        let list = state.get(holder);
        if (!list) state.set(holder, (list = []));
        list.push([key, value]);
      }
    }
    this.manifests.set(shardId, chosen.buckets);
    return { checkpoint: chosen.checkpoint, refs: [...refsOf(chosen.buckets)], state };
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

function* entriesOf(holders: KeyedState): Generator<KeyedEntry> {
  for (const [holder, entries] of holders) for (const [key, value] of entries) yield [holder, key, value];
}
