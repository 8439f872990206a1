import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { SluiceError } from '../errors.js';
import { retry, type RetryOptions } from '../retry.js';
import { classifyAwsError } from './errors.js';

/**
 * Writes up to 25 requests with BatchWriteItem and resends only `UnprocessedItems`, with backoff,
 * until all are written or the retry options give up. Partial failure is data: what DynamoDB
 * took is never sent again.
 */
export async function batchWriteAll(db: DynamoDBClient, table: string, requests: WriteRequest[], options: RetryOptions): Promise<void> {
  let pending = requests;
  await retry(async () => {
    let r;
    try {
      r = await db.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    } catch (error) {
      throw classifyAwsError(error, `BatchWriteItem to ${table}`);
    }
    const left = r.UnprocessedItems?.[table] ?? [];
    if (left.length > 0) {
      pending = left;
      throw new SluiceError(`${left.length} of ${requests.length} items unprocessed by ${table}`, { domain: 'external', code: 'UnprocessedItems', retriable: true });
    }
  }, options);
}
