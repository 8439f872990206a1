import {
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { awsCall, awsErrorCode, classifyAwsError } from '../aws/errors.js';
import { retry } from '../retry.js';
import { SHARD_END } from './store.js';

export interface Lease {
  readonly shardId: string;
  readonly owner: string | undefined;
  readonly counter: number;
  readonly checkpoint: string | undefined;
}

export interface LeaseCoordinatorOptions {
  dynamodb: DynamoDBClient;
  /** The checkpoint table: leases and checkpoints share one item per shard, as in the KCL. */
  table: string;
  streamName: string;
  workerId: string;
  /** A lease whose counter has not moved for this long is taken over. Default 10 s. */
  failoverMs?: number;
  /** Local clock, for tests. */
  now?: () => number;
}

/**
 * Shares a stream's shards among workers through the checkpoint table, the KCL's way: a worker
 * holds a lease by bumping its `leaseCounter`; a lease whose counter has not moved for
 * `failoverMs` (measured on the observer's own clock, so clocks need not agree) is taken with a
 * conditional write on the counter it saw. Each worker aims at an even share
 * (ceil(shards / live workers)) and steals at most one lease per round from the busiest worker.
 * Checkpoints are conditional on `leaseOwner`, so a worker that lost a lease cannot move its checkpoint.
 */
export class LeaseCoordinator {
  private readonly seen = new Map<string, { counter: number; owner: string | undefined; since: number }>();
  private mine = new Set<string>();
  private leases: Lease[] = [];
  private readonly failoverMs: number;
  private readonly now: () => number;

  constructor(private readonly o: LeaseCoordinatorOptions) {
    this.failoverMs = o.failoverMs ?? 10_000;
    this.now = o.now ?? Date.now;
  }

  /** Shards this worker holds after the last round. */
  owned(): ReadonlySet<string> {
    return this.mine;
  }

  /** Every lease as last read, with its checkpoint. */
  all(): readonly Lease[] {
    return this.leases;
  }

  /** Every lease in the table, read now (no round, nothing written). */
  read(): Promise<Lease[]> {
    return this.scan();
  }

  private async scan(): Promise<Lease[]> {
    const out: Lease[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await retry(() =>
        awsCall('Scan', () => this.o.dynamodb.send(new ScanCommand({ TableName: this.o.table, ConsistentRead: true, ExclusiveStartKey: start }))),
      );
      for (const item of r.Items ?? []) {
        const key = item.leaseKey?.S;
        if (!key || key.startsWith('state#')) continue;
        out.push({ shardId: key, owner: item.leaseOwner?.S, counter: Number(item.leaseCounter?.N ?? 0), checkpoint: item.checkpoint?.S });
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Creates lease items for shards that have none (idempotent, conditional). */
  private async createMissing(shardIds: readonly string[], existing: ReadonlySet<string>): Promise<void> {
    for (const shardId of shardIds) {
      if (existing.has(shardId)) continue;
      try {
        await retry(() =>
          awsCall('PutItem', () =>
            this.o.dynamodb.send(
              new PutItemCommand({
                TableName: this.o.table,
                Item: { leaseKey: { S: shardId }, leaseCounter: { N: '0' }, streamName: { S: this.o.streamName } },
                ConditionExpression: 'attribute_not_exists(leaseKey)',
              }),
            ),
          ),
        );
      } catch (error) {
        if (awsErrorCode(error) !== 'ConditionalCheckFailedException') await awsCall('PutItem', () => Promise.reject(error));
      }
    }
  }

  /** Conditional update: succeeds only if the lease is still as we saw it. */
  private async claim(lease: Lease, renew: boolean): Promise<boolean> {
    try {
      // Throttled renewals are retried: a round that fails on one throttle would let the leases
      // lapse and the source drop and re-read what it had buffered.
      await retry(() =>
        awsCall('UpdateItem', () =>
          this.o.dynamodb.send(
            new UpdateItemCommand({
              TableName: this.o.table,
              Key: { leaseKey: { S: lease.shardId } },
              UpdateExpression: 'SET leaseOwner = :me, leaseCounter = leaseCounter + :one',
              ConditionExpression: renew ? 'leaseOwner = :me' : 'leaseCounter = :seen',
              ExpressionAttributeValues: {
                ':me': { S: this.o.workerId },
                ':one': { N: '1' },
                ...(renew ? {} : { ':seen': { N: String(lease.counter) } }),
              },
            }),
          ),
        ),
      );
      return true;
    } catch (error) {
      if (awsErrorCode(error) === 'ConditionalCheckFailedException') return false;
      throw classifyAwsError(error, 'UpdateItem');
    }
  }

  /**
   * One round: create leases for new shards, renew ours, drop the ones we lost, take expired or
   * free ones up to our share, and steal one if we are still below it. Returns the shards we hold.
   */
  async round(shardIds: readonly string[]): Promise<ReadonlySet<string>> {
    let leases = await this.scan();
    const missing = shardIds.filter((s) => !leases.some((l) => l.shardId === s));
    if (missing.length > 0) {
      await this.createMissing(missing, new Set(leases.map((l) => l.shardId)));
      leases = await this.scan();
    }
    const now = this.now();
    const expired = new Set<string>();
    for (const l of leases) {
      const s = this.seen.get(l.shardId);
      if (!s || s.counter !== l.counter || s.owner !== l.owner) this.seen.set(l.shardId, { counter: l.counter, owner: l.owner, since: now });
      else if (now - s.since >= this.failoverMs) expired.add(l.shardId);
      if (!l.owner) expired.add(l.shardId);
    }
    const open = leases.filter((l) => l.checkpoint !== SHARD_END && shardIds.includes(l.shardId));

    const held = new Set<string>();
    for (const l of open) {
      if (l.owner === this.o.workerId && (await this.claim(l, true))) held.add(l.shardId);
    }
    const live = new Map<string, number>();
    for (const l of open) {
      if (l.owner && l.owner !== this.o.workerId && !expired.has(l.shardId)) live.set(l.owner, (live.get(l.owner) ?? 0) + 1);
    }
    const target = Math.ceil(open.length / (live.size + 1));
    for (const l of open) {
      if (held.size >= target) break;
      if (held.has(l.shardId) || !expired.has(l.shardId)) continue;
      if (await this.claim(l, false)) held.add(l.shardId);
    }
    if (held.size < target) {
      // Steal one lease from the busiest worker holding more than its share.
      const [victim, count] = [...live].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
      if (victim && count > target) {
        const lease = open.find((l) => l.owner === victim);
        if (lease && (await this.claim(lease, false))) held.add(lease.shardId);
      }
    }
    this.mine = held;
    this.leases = await this.scan();
    return held;
  }

  /** Gives our leases back (clean stop), so other workers take them at once instead of after failover. */
  async release(): Promise<void> {
    for (const shardId of this.mine) {
      try {
        await retry(() =>
          awsCall('UpdateItem', () =>
            this.o.dynamodb.send(
              new UpdateItemCommand({
                TableName: this.o.table,
                Key: { leaseKey: { S: shardId } },
                UpdateExpression: 'REMOVE leaseOwner SET leaseCounter = leaseCounter + :one',
                ConditionExpression: 'leaseOwner = :me',
                ExpressionAttributeValues: { ':me': { S: this.o.workerId }, ':one': { N: '1' } },
              }),
            ),
          ),
        );
      } catch (error) {
        if (awsErrorCode(error) !== 'ConditionalCheckFailedException') throw classifyAwsError(error, 'UpdateItem');
      }
    }
    this.mine = new Set();
  }
}
