import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { SluiceError } from '../errors.js';
import { retry, type RetryOptions } from '../retry.js';
import { classifyAwsError } from './errors.js';

/** Thrown inside one BatchWriteItem attempt when the fence refuses a request in it: nothing was sent. */
class Fenced extends Error {
  override readonly name = 'SluiceFenced';
}

/**
 * Writes up to 25 requests with BatchWriteItem and resends only `UnprocessedItems`, with backoff,
 * until all are written or the retry options give up. Partial failure is data: what DynamoDB
 * took is never sent again.
 *
 * With `admits`, each attempt (the SDK's own retries included) first asks it of every request
 * it is about to send, as late as the client allows (a middleware right before the HTTP call);
 * refused requests are left out and never sent. Returns how many were left out.
 */
export async function batchWriteAll(db: DynamoDBClient, table: string, requests: WriteRequest[], options: RetryOptions, admits?: (request: WriteRequest) => boolean): Promise<number> {
  let pending = requests;
  let refused = 0;
  const drop = () => {
    const kept = pending.filter((r) => admits!(r));
    refused += pending.length - kept.length;
    pending = kept;
  };
  await retry(async () => {
    let r;
    for (;;) {
      if (admits) drop();
      if (pending.length === 0) return;
      try {
        const command = new BatchWriteItemCommand({ RequestItems: { [table]: pending } });
        if (admits) {
          const sent = pending;
          command.middlewareStack.add(
            (next) => async (args) => {
              if (!sent.every((q) => admits(q))) throw new Fenced('a request lost its fence before it was sent');
              return next(args);
            },
            { step: 'deserialize', name: 'sluiceSinkFence', override: true },
          );
        }
        r = await db.send(command);
        break;
      } catch (error) {
        // Nothing of this attempt reached DynamoDB: send again at once without the refused requests.
        if (error instanceof Fenced) continue;
        throw classifyAwsError(error, `BatchWriteItem to ${table}`);
      }
    }
    const left = r.UnprocessedItems?.[table] ?? [];
    if (left.length > 0) {
      pending = left;
      throw new SluiceError(`${left.length} of ${requests.length} items unprocessed by ${table}`, { domain: 'external', code: 'UnprocessedItems', retriable: true });
    }
  }, options);
  return refused;
}
