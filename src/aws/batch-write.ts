import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { SluiceError } from '../errors.js';
import { retry, type RetryOptions } from '../retry.js';
import { classifyAwsError } from './errors.js';

/** Thrown inside one BatchWriteItem attempt when the fence refuses a request in it: nothing was sent. */
class Fenced extends Error {
  override readonly name = 'SluiceFenced';
}

/** Where the SDK puts the command being sent in a middleware's context (`@smithy/types` SMITHY_CONTEXT_KEY). */
const SMITHY_CONTEXT_KEY = '__smithy_context';
/** The check each fenced command asks right before it is sent, by command. */
const fenceOf = new WeakMap<object, () => boolean>();
const fencedClients = new WeakSet<DynamoDBClient>();

/**
 * One middleware per client, as late as the client allows (right before the HTTP call, the SDK's
 * own retries included): a command with a fence is not sent when its fence refuses. Added once,
 * not per command: a command's own middleware makes the SDK build its stack again for each send
 * (a tenth of the sink's CPU in the e2e profile).
 */
function installFence(db: DynamoDBClient): void {
  if (fencedClients.has(db)) return;
  fencedClients.add(db);
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as Record<string, { commandInstance?: object } | undefined>)[SMITHY_CONTEXT_KEY]?.commandInstance;
      const admitted = command && fenceOf.get(command);
      if (admitted && !admitted()) throw new Fenced('a request lost its fence before it was sent');
      return next(args);
    },
    { step: 'deserialize', name: 'sluiceSinkFence', override: true },
  );
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
  if (admits) installFence(db);
  await retry(async () => {
    let r;
    for (;;) {
      if (pending.length === 0) return;
      try {
        const command = new BatchWriteItemCommand({ RequestItems: { [table]: pending } });
        if (admits) {
          const sent = pending;
          fenceOf.set(command, () => sent.every((q) => admits(q)));
        }
        r = await db.send(command);
        break;
      } catch (error) {
        if (!(error instanceof Fenced)) throw classifyAwsError(error, `BatchWriteItem to ${table}`);
        // Nothing of this attempt reached DynamoDB: send again at once without the refused requests.
        const kept = pending.filter((q) => admits!(q));
        refused += pending.length - kept.length;
        pending = kept;
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
