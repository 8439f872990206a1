import { SluiceError } from '../errors.js';

/** Backoff of one shard's failed reads: full-jitter exponential, `attempts` failures in a row at most. */
export interface ReadRetryOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** 20 failures in a row, from 100 ms up to 10 s apart: a throttled shard waits out minutes, not hours. */
export const DEFAULT_READ_RETRY: ReadRetryOptions = { attempts: 20, initialDelayMs: 100, maxDelayMs: 10_000 };

/**
 * The error that stops the pipeline when a shard cannot be read: names the stream and shard, the
 * AWS error, and the fix. `domain: 'user'` because every such case needs a person (a permission, a
 * key, a name, more capacity); the engine stops on non-retriable user errors.
 */
export function readFailure(
  error: SluiceError,
  at: { stream: string; shardId: string; failures: number; retry: ReadRetryOptions; consumer?: string },
): SluiceError {
  const where = `shard ${at.shardId} of stream ${at.stream}${at.consumer ? ` (consumer ${at.consumer})` : ''}`;
  if (error.retriable) {
    return new SluiceError(
      `Reading ${where} failed ${at.failures} times in a row; last error: ${error.message}. Fix: give the stream more read capacity ` +
        '(more shards, fewer consumers per shard, or consumerType SubscribeToShard for a dedicated 2 MB/s per shard), ' +
        `or let Sluice wait longer with source.retry.attempts (now ${at.retry.attempts}) and source.retry.maxDelay (now ${at.retry.maxDelayMs} ms)`,
      { domain: 'user', code: 'ShardReadRetriesExhausted', cause: error },
    );
  }
  const fix = /Fix: /.test(error.message) ? '' : `. Fix: ${fixFor(error.code)}`;
  return new SluiceError(`Cannot read ${where}: ${error.message}${fix}`, { domain: 'user', code: error.code, cause: error });
}

function fixFor(code: string): string {
  switch (code) {
    case 'KMSDisabledException':
    case 'KMSInvalidStateException':
      return "enable the stream's KMS key, or point the stream at an enabled key";
    case 'KMSNotFoundException':
      return "the stream's KMS key no longer exists: re-encrypt the stream with an existing key";
    case 'InvalidArgumentException':
    case 'ValidationException':
      return 'check source.startingPosition (a sequence number must belong to this shard) and source.recordsPerPoll (1..10000)';
    default:
      return 'see the AWS error above; restarting resumes from the last checkpoint';
  }
}
