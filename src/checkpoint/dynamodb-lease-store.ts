import { DeleteItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { awsCall, awsErrorCode, classifyAwsError } from '../aws/errors.js';
import { retry } from '../retry.js';
import { WORKER_KEY_PREFIX, type Lease, type LeaseStore, type LeaseStoreUsage, type LeaseTableScan, type WorkerItem, type WorkerMail, type LeaseAsk, askKey, parseAsk } from './lease-store.js';

export interface DynamoLeaseStoreOptions {
  dynamodb: DynamoDBClient;
  /** The checkpoint table: leases and checkpoints share one item per shard, as in the KCL. */
  table: string;
  streamName: string;
}

/**
 * Leases in the checkpoint table (`leaseKey`, `leaseOwner`, `leaseCounter`, `checkpoint`,
 * `shardLoad`), and one item per worker (`leaseKey` = `worker#<id>`, `workerCounter`, `stopping`,
 * `inbox` a string set, for handoffs on a clean stop; `takenAway` a string set, leases stolen from it for balance; `asks` a string set of
 * `<shard> <worker>`, leases other workers asked it to hand over).
 */
export class DynamoLeaseStore implements LeaseStore {
  private readonly used: LeaseStoreUsage = { readUnits: 0, writeUnits: 0 };

  constructor(private readonly o: DynamoLeaseStoreOptions) {}

  usage(): LeaseStoreUsage {
    return { ...this.used };
  }

  async list(): Promise<Lease[]> {
    return (await this.scan()).leases;
  }

  async scan(): Promise<LeaseTableScan> {
    const out: Lease[] = [];
    const workers: WorkerItem[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await retry(() =>
        awsCall('Scan', () =>
          this.o.dynamodb.send(new ScanCommand({ TableName: this.o.table, ConsistentRead: true, ExclusiveStartKey: start, ReturnConsumedCapacity: 'TOTAL' })),
        ),
      );
      this.used.readUnits += r.ConsumedCapacity?.CapacityUnits ?? 0;
      for (const item of r.Items ?? []) {
        const key = item.leaseKey?.S;
        if (key?.startsWith(WORKER_KEY_PREFIX)) {
          workers.push({ workerId: key.slice(WORKER_KEY_PREFIX.length), counter: Number(item.workerCounter?.N ?? 0), stopping: item.stopping?.BOOL === true, inbox: [...(item.inbox?.SS ?? [])].sort() });
          continue;
        }
        if (!key || key.startsWith('state#') || key === 'snapshot') continue;
        out.push({ shardId: key, owner: item.leaseOwner?.S, counter: Number(item.leaseCounter?.N ?? 0), checkpoint: item.checkpoint?.S, load: Number(item.shardLoad?.N ?? 0) });
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return { leases: out, workers };
  }

  async create(shardId: string): Promise<boolean> {
    return this.conditional('PutItem', () =>
      this.o.dynamodb.send(
        new PutItemCommand({
          TableName: this.o.table,
          Item: { leaseKey: { S: shardId }, leaseCounter: { N: '0' }, streamName: { S: this.o.streamName } },
          ConditionExpression: 'attribute_not_exists(leaseKey)',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
  }

  take(shardId: string, owner: string, seenCounter: number): Promise<boolean> {
    return this.update({
      Key: { leaseKey: { S: shardId } },
      UpdateExpression: 'SET leaseOwner = :me, leaseCounter = leaseCounter + :one',
      ConditionExpression: 'leaseCounter = :seen',
      ExpressionAttributeValues: { ':me': { S: owner }, ':one': { N: '1' }, ':seen': { N: String(seenCounter) } },
    });
  }

  renew(shardId: string, owner: string, load: number): Promise<boolean> {
    return this.update({
      Key: { leaseKey: { S: shardId } },
      UpdateExpression: 'SET leaseCounter = leaseCounter + :one, shardLoad = :load',
      ConditionExpression: 'leaseOwner = :me',
      ExpressionAttributeValues: { ':me': { S: owner }, ':one': { N: '1' }, ':load': { N: String(Math.round(load * 1000) / 1000) } },
    });
  }

  publishLoad(shardId: string, owner: string, load: number): Promise<boolean> {
    return this.update({
      Key: { leaseKey: { S: shardId } },
      UpdateExpression: 'SET shardLoad = :load',
      ConditionExpression: 'leaseOwner = :me',
      ExpressionAttributeValues: { ':me': { S: owner }, ':load': { N: String(Math.round(load * 1000) / 1000) } },
    });
  }

  release(shardId: string, owner: string): Promise<boolean> {
    return this.update({
      Key: { leaseKey: { S: shardId } },
      UpdateExpression: 'REMOVE leaseOwner SET leaseCounter = leaseCounter + :one',
      ConditionExpression: 'leaseOwner = :me',
      ExpressionAttributeValues: { ':me': { S: owner }, ':one': { N: '1' } },
    });
  }

  async heartbeat(workerId: string): Promise<WorkerMail> {
    const r = await retry(() =>
      awsCall('UpdateItem', () =>
        this.o.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.o.table,
            Key: { leaseKey: { S: WORKER_KEY_PREFIX + workerId } },
            UpdateExpression: 'SET workerCounter = if_not_exists(workerCounter, :zero) + :one, stopping = :no, streamName = :stream',
            ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':no': { BOOL: false }, ':stream': { S: this.o.streamName } },
            ReturnValues: 'ALL_NEW',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      ),
    );
    this.used.writeUnits += r.ConsumedCapacity?.CapacityUnits ?? 1;
    return {
      handed: [...(r.Attributes?.inbox?.SS ?? [])].sort(),
      taken: [...(r.Attributes?.takenAway?.SS ?? [])].sort(),
      asked: [...(r.Attributes?.asks?.SS ?? [])].sort().map(parseAsk),
    };
  }

  async markStopping(workerId: string): Promise<void> {
    await this.update({
      Key: { leaseKey: { S: WORKER_KEY_PREFIX + workerId } },
      UpdateExpression: 'SET stopping = :yes, streamName = :stream',
      ExpressionAttributeValues: { ':yes': { BOOL: true }, ':stream': { S: this.o.streamName } },
    });
  }

  transfer(shardId: string, from: string, to: string): Promise<boolean> {
    return this.update({
      Key: { leaseKey: { S: shardId } },
      UpdateExpression: 'SET leaseOwner = :to, leaseCounter = leaseCounter + :one',
      ConditionExpression: 'leaseOwner = :from',
      ExpressionAttributeValues: { ':from': { S: from }, ':to': { S: to }, ':one': { N: '1' } },
    });
  }

  notify(to: string, shardIds: readonly string[]): Promise<boolean> {
    return this.addToWorker(to, 'inbox', shardIds, true);
  }

  ask(owner: string, ask: LeaseAsk): Promise<boolean> {
    return this.addToWorker(owner, 'asks', [askKey(ask)], true);
  }

  tellTaken(from: string, shardIds: readonly string[]): Promise<boolean> {
    return this.addToWorker(from, 'takenAway', shardIds, false);
  }

  /** Adds strings to a string set of a worker's item, if it exists (and, with `live`, is not stopping). */
  private addToWorker(workerId: string, attribute: 'inbox' | 'asks' | 'takenAway', values: readonly string[], live: boolean): Promise<boolean> {
    if (values.length === 0) return Promise.resolve(true);
    return this.update({
      Key: { leaseKey: { S: WORKER_KEY_PREFIX + workerId } },
      UpdateExpression: `ADD ${attribute} :values`,
      ConditionExpression: live ? 'attribute_exists(leaseKey) AND stopping = :no' : 'attribute_exists(leaseKey)',
      ExpressionAttributeValues: { ':values': { SS: [...values] }, ...(live ? { ':no': { BOOL: false } } : {}) },
    });
  }

  async forget(workerId: string): Promise<void> {
    await this.conditional('DeleteItem', () =>
      this.o.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.o.table,
          Key: { leaseKey: { S: WORKER_KEY_PREFIX + workerId } },
          ConditionExpression: 'stopping = :yes',
          ExpressionAttributeValues: { ':yes': { BOOL: true } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
  }

  async clearInbox(workerId: string, mail: WorkerMail): Promise<void> {
    const parts: string[] = [];
    const values: Record<string, AttributeValue> = {};
    if (mail.handed.length > 0) {
      parts.push('inbox :handed');
      values[':handed'] = { SS: [...mail.handed] };
    }
    if (mail.taken.length > 0) {
      parts.push('takenAway :taken');
      values[':taken'] = { SS: [...mail.taken] };
    }
    if (mail.asked.length > 0) {
      parts.push('asks :asked');
      values[':asked'] = { SS: mail.asked.map(askKey) };
    }
    if (parts.length === 0) return;
    await this.update({ Key: { leaseKey: { S: WORKER_KEY_PREFIX + workerId } }, UpdateExpression: `DELETE ${parts.join(', ')}`, ExpressionAttributeValues: values });
  }

  private update(input: Omit<UpdateItemCommandInput, 'TableName'>): Promise<boolean> {
    return this.conditional('UpdateItem', () => this.o.dynamodb.send(new UpdateItemCommand({ TableName: this.o.table, ReturnConsumedCapacity: 'TOTAL', ...input })));
  }

  /** One conditional write; throttles are retried (a round that fails on one throttle would let leases lapse). */
  private async conditional(operation: string, send: () => Promise<{ ConsumedCapacity?: { CapacityUnits?: number } }>): Promise<boolean> {
    try {
      const r = await retry(() => awsCall(operation, send));
      this.used.writeUnits += r.ConsumedCapacity?.CapacityUnits ?? 1;
      return true;
    } catch (error) {
      // A refused condition still costs the write (DynamoDB charges it).
      if (awsErrorCode(error) === 'ConditionalCheckFailedException') {
        this.used.writeUnits += 1;
        return false;
      }
      throw classifyAwsError(error, operation);
    }
  }
}

