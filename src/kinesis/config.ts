import { z } from 'zod';
import { parseDuration } from '../engine/window.js';
import { invalidOption } from '../errors.js';
import { DEFAULT_READ_RETRY, type ReadRetryOptions } from './read-errors.js';
import { DEFAULT_IDLE_TIME_BETWEEN_READS_MS, type ConsumerType, type KinesisSourceOptions } from './source.js';

const duration = z.union([z.number().positive(), z.string().regex(/^\s*\d+(?:\.\d+)?\s*(ms|s|m|h)?\s*$/, 'a duration such as "100ms", "20s", "1m"')]);

/**
 * The Kinesis reading options of a pipeline's `source:` block, beyond the stream and starting
 * position (spread into the source schema by `pipeline/config.ts`).
 */
export const kinesisSourceFields = {
  /** `GetRecords` polls (default); `SubscribeToShard` reads through enhanced fan-out. */
  consumerType: z.enum(['GetRecords', 'SubscribeToShard']).default('GetRecords'),
  /** The enhanced fan-out consumer's name (default: the app name). Registered once, reused after. */
  consumerName: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, '1-128 characters from a-z A-Z 0-9 _ . -').optional(),
  /** How often to list shards to find children after a reshard. */
  describeShardInterval: duration.default(10_000),
  /**
   * The longest wait between two GetRecords of an idle shard (the KCL's idleTimeBetweenReadsInMillis):
   * each empty read doubles a shard's wait from `pollInterval` up to this; records reset it. Records
   * arriving on an idle shard wait at most this long. Default 2 s (or `pollInterval` if longer);
   * set it to `pollInterval` to read every shard every `pollInterval`.
   */
  idleTimeBetweenReads: duration.optional(),
  /** GetRecords calls per second per shard at most; AWS allows 5 (default on AWS; unlimited on a loopback endpoint). */
  maxGetRecordsPerSecond: z.number().positive().max(1000).optional(),
  /** Backoff of each shard's failed reads: full-jitter exponential, giving up after `attempts` failures in a row. */
  retry: z
    .object({
      attempts: z.number().int().min(1).default(DEFAULT_READ_RETRY.attempts),
      initialDelay: duration.default(DEFAULT_READ_RETRY.initialDelayMs),
      maxDelay: duration.default(DEFAULT_READ_RETRY.maxDelayMs),
    })
    .strict()
    .optional(),
  /** The AWS region (also settable with --region); used when no endpoint flag says otherwise. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1').optional(),
  /** The Kinesis endpoint (also settable with --endpoint-url). */
  endpointUrl: z.string().url().optional(),
};

type SourceFields = z.output<z.ZodObject<typeof kinesisSourceFields>> & { pollInterval?: string | number };

/** The {@link KinesisSourceOptions} the source block's Kinesis fields set. */
export function kinesisSourceSettings(
  source: SourceFields,
  app: string,
): Pick<KinesisSourceOptions, 'consumerType' | 'consumerName' | 'discoveryIntervalMs' | 'retry' | 'maxGetRecordsPerSecond' | 'maxIdleMs'> {
  const retry: ReadRetryOptions | undefined = source.retry
    ? {
        attempts: source.retry.attempts,
        initialDelayMs: parseDuration(source.retry.initialDelay, 'source.retry.initialDelay'),
        maxDelayMs: parseDuration(source.retry.maxDelay, 'source.retry.maxDelay'),
      }
    : undefined;
  const consumerType: ConsumerType = source.consumerType;
  const pollMs = source.pollInterval !== undefined ? parseDuration(source.pollInterval, 'source.pollInterval') : 0;
  let maxIdleMs = Math.max(DEFAULT_IDLE_TIME_BETWEEN_READS_MS, pollMs);
  if (source.idleTimeBetweenReads !== undefined) {
    maxIdleMs = parseDuration(source.idleTimeBetweenReads, 'source.idleTimeBetweenReads');
    if (maxIdleMs < pollMs) {
      throw invalidOption(
        'source.idleTimeBetweenReads',
        source.idleTimeBetweenReads,
        `it is the longest wait between reads of an idle shard, so it cannot be shorter than source.pollInterval (${pollMs} ms); use at least ${pollMs} ms (equal reads every shard every pollInterval)`,
      );
    }
  }
  return {
    maxIdleMs,
    consumerType,
    ...(consumerType === 'SubscribeToShard' ? { consumerName: source.consumerName ?? app } : {}),
    discoveryIntervalMs: parseDuration(source.describeShardInterval, 'source.describeShardInterval'),
    ...(retry ? { retry } : {}),
    ...(source.maxGetRecordsPerSecond !== undefined ? { maxGetRecordsPerSecond: source.maxGetRecordsPerSecond } : {}),
  };
}
