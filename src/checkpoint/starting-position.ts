import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { listShards } from '../aws/admin.js';
import { awsCall } from '../aws/errors.js';
import { SluiceError } from '../errors.js';
import type { StartingPosition } from '../kinesis/position.js';
import { retry } from '../retry.js';
import type { ShardCheckpoint } from './store.js';

/** The checkpoint-table item holding when the application first started reading at `latest`. */
export const LATEST_ORIGIN_KEY = 'state#latest-origin';

export interface ResolveStartingPositionsOptions {
  dynamodb: DynamoDBClient;
  /** The checkpoint table (named after the application). */
  table: string;
  kinesis: KinesisClient;
  streamName: string;
  position: StartingPosition;
  /** Checkpoints already saved; shards that have one start after it and need nothing here. */
  checkpoints: ReadonlyMap<string, ShardCheckpoint>;
  /** How long to wait for an AT_TIMESTAMP iterator before taking the emulator's silence as "no records since". Default 3 s. */
  probeTimeoutMs?: number;
}

/**
 * `latest` means the tip of the stream at the application's *first* start, not at every start: a
 * worker that started, read nothing and stopped must not skip, on restart, what was produced
 * while it was down. The first start saves its time in the checkpoint table at once (a
 * conditional write, so the first of several workers wins); every later start reads each shard
 * that has no checkpoint yet from that time (AT_TIMESTAMP).
 *
 * Returns the position per shard that differs from `position` (empty on the first start, or when
 * the position is not `latest`).
 *
 * Emulator gap: kinesalite never answers an AT_TIMESTAMP request when no record arrived since the
 * timestamp; a shard whose probe gets no answer in time has nothing since, so it starts at LATEST.
 */
export async function resolveStartingPositions(o: ResolveStartingPositionsOptions): Promise<Map<string, StartingPosition>> {
  const out = new Map<string, StartingPosition>();
  if (o.position.kind !== 'latest') return out;
  const now = Date.now();
  let first = false;
  try {
    await awsCall('PutItem', () =>
      o.dynamodb.send(
        new PutItemCommand({
          TableName: o.table,
          Item: { leaseKey: { S: LATEST_ORIGIN_KEY }, at: { N: String(now) }, streamName: { S: o.streamName } },
          ConditionExpression: 'attribute_not_exists(leaseKey)',
        }),
      ),
    );
    first = true;
  } catch (error) {
    if (!(error instanceof SluiceError && error.code === 'ConditionalCheckFailedException')) throw error;
  }
  if (first) return out;
  const item = await retry(() =>
    awsCall('GetItem', () => o.dynamodb.send(new GetItemCommand({ TableName: o.table, Key: { leaseKey: { S: LATEST_ORIGIN_KEY } }, ConsistentRead: true }))),
  );
  const at = new Date(Number(item.Item?.at?.N ?? now));
  const shards = await listShards(o.kinesis, o.streamName);
  await Promise.all(
    shards
      .filter((s) => !o.checkpoints.get(s.ShardId!)?.checkpoint)
      .map(async (s) => {
        if (await answersAtTimestamp(o, s.ShardId!, at)) out.set(s.ShardId!, { kind: 'atTimestamp', at });
      }),
  );
  return out;
}

async function answersAtTimestamp(o: ResolveStartingPositionsOptions, shardId: string, at: Date): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), o.probeTimeoutMs ?? 3_000);
  try {
    await o.kinesis.send(new GetShardIteratorCommand({ StreamName: o.streamName, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: at }), {
      abortSignal: abort.signal,
    });
    return true;
  } catch (error) {
    if (abort.signal.aborted) return false;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
