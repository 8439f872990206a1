import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import { SluiceError, invalidOption } from '../errors.js';
import { sleep } from '../retry.js';
import { awsCall, awsErrorCode, classifyAwsError } from './errors.js';
import { retry } from '../retry.js';

export interface StreamInfo {
  name: string;
  arn?: string;
  status: string;
  shardCount: number;
}

/**
 * An admin call retried on retriable errors (throttling, `LimitExceededException`, 5xx) with
 * backoff: control-plane calls at start are throttled too, and a throttle must not stop a start.
 * `tolerate` names the error code that means "already done" (the call then counts as a success).
 */
async function adminCall<T>(operation: string, send: () => Promise<T>, tolerate?: string): Promise<T | undefined> {
  return retry(
    async () => {
      try {
        return await send();
      } catch (error) {
        if (tolerate && awsErrorCode(error) === tolerate) return undefined;
        throw classifyAwsError(error, operation);
      }
    },
    { retries: 10, initialDelayMs: 100, maxDelayMs: 5_000 },
  );
}

/** Creates a stream with `shards` shards if it does not exist, and waits until it is ACTIVE. */
export async function ensureStream(kinesis: KinesisClient, name: string, shards = 1, timeoutMs = 60_000): Promise<StreamInfo> {
  if (!Number.isInteger(shards) || shards < 1) throw invalidOption('shards', shards, 'use a whole number of shards >= 1');
  await adminCall('CreateStream', () => kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards })), 'ResourceInUseException');
  return waitForStream(kinesis, name, timeoutMs);
}

export async function describeStream(kinesis: KinesisClient, name: string): Promise<StreamInfo> {
  const r = (await adminCall('DescribeStreamSummary', () => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))))!;
  const d = r.StreamDescriptionSummary!;
  return { name, arn: d.StreamARN, status: d.StreamStatus ?? 'UNKNOWN', shardCount: d.OpenShardCount ?? 0 };
}

export async function waitForStream(kinesis: KinesisClient, name: string, timeoutMs = 60_000): Promise<StreamInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await describeStream(kinesis, name);
    if (info.status === 'ACTIVE') return info;
    if (Date.now() > deadline) {
      throw new SluiceError(`Stream ${name} is still ${info.status} after ${timeoutMs} ms`, { domain: 'external', code: 'StreamNotActive', retriable: true });
    }
    await sleep(100);
  }
}

export async function deleteStream(kinesis: KinesisClient, name: string): Promise<void> {
  try {
    await kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
  } catch (error) {
    if (awsErrorCode(error) !== 'ResourceNotFoundException') await awsCall('DeleteStream', () => Promise.reject(error));
  }
}

/**
 * Lists every shard of a stream, following NextToken. (kinesalite ignores pagination and returns
 * everything at once; the loop is for real Kinesis.)
 */
export async function listShards(kinesis: KinesisClient, name: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const r = (await adminCall('ListShards', () => kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: name }))))!;
    shards.push(...(r.Shards ?? []));
    token = r.NextToken;
  } while (token);
  return shards;
}

export interface TableKey {
  partitionKey: { name: string; type: 'S' | 'N' };
  sortKey?: { name: string; type: 'S' | 'N' };
}

/**
 * Creates a table with the given key schema (on-demand billing) unless one exists; waits until ACTIVE.
 * An existing table with a different key schema is a user error naming both schemas.
 */
/** Creates a table if it does not exist and waits until it is ACTIVE; true when this call created it. */
export async function ensureTable(dynamodb: DynamoDBClient, name: string, key: TableKey, timeoutMs = 60_000): Promise<boolean> {
  const keySchema: KeySchemaElement[] = [{ AttributeName: key.partitionKey.name, KeyType: 'HASH' }];
  const attrs: AttributeDefinition[] = [{ AttributeName: key.partitionKey.name, AttributeType: key.partitionKey.type }];
  if (key.sortKey) {
    keySchema.push({ AttributeName: key.sortKey.name, KeyType: 'RANGE' });
    attrs.push({ AttributeName: key.sortKey.name, AttributeType: key.sortKey.type });
  }
  const created = (await adminCall('CreateTable', () => dynamodb.send(new CreateTableCommand({ TableName: name, KeySchema: keySchema, AttributeDefinitions: attrs, BillingMode: 'PAY_PER_REQUEST' })), 'ResourceInUseException')) !== undefined;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await adminCall('DescribeTable', () => dynamodb.send(new DescribeTableCommand({ TableName: name }))))!;
    const existing = (r.Table?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
    const wanted = keySchema.map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
    if (existing !== wanted) {
      throw invalidOption(`table ${name} key schema`, existing, `the table exists with another key schema; Sluice needs ${wanted}: use another table name or delete the table`);
    }
    if (r.Table?.TableStatus === 'ACTIVE') return created;
    if (Date.now() > deadline) {
      throw new SluiceError(`Table ${name} is still ${r.Table?.TableStatus} after ${timeoutMs} ms`, { domain: 'external', code: 'TableNotActive', retriable: true });
    }
    await sleep(100);
  }
}

export async function deleteTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  try {
    await dynamodb.send(new DeleteTableCommand({ TableName: name }));
  } catch (error) {
    if (awsErrorCode(error) !== 'ResourceNotFoundException') await awsCall('DeleteTable', () => Promise.reject(error));
  }
}
