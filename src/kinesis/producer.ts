import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { classifyAwsError } from '../aws/errors.js';
import { notifyAwsRetry, THROTTLE_CODES } from '../aws/aws-call.js';
import { awsEvents } from '../aws/aws-events.js';
import { SluiceError } from '../errors.js';
import { backoffDelay, sleep } from '../retry.js';

/** Kinesis PutRecords limits. A record's size is its data plus its partition key's UTF-8 bytes. */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
export const RECORD_MAX_BYTES = 1024 * 1024;
export const PARTITION_KEY_MAX_CHARS = 256;

export interface ProducerRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
}

/** What happened to one record. Partial failure is data: the caller decides what a failure means. */
export type RecordOutcome =
  | { readonly status: 'ok'; readonly shardId: string; readonly sequenceNumber: string; readonly attempts: number }
  | { readonly status: 'failed'; readonly errorCode: string; readonly errorMessage: string; readonly attempts: number };

export interface SendResult {
  /** One outcome per input record, in input order. */
  readonly outcomes: readonly RecordOutcome[];
  readonly sent: number;
  readonly failed: number;
  /** Record re-sends in this call (a record resent twice counts twice). */
  readonly retried: number;
}

export interface ProducerCounters {
  recordsSent: number;
  recordsRetried: number;
  recordsFailed: number;
  /** Data plus partition-key bytes of records Kinesis accepted. */
  bytesSent: number;
  /** PutRecords calls made, retries included. */
  requests: number;
}

export interface KinesisProducerOptions {
  /** PutRecords attempts per record, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff before the first retry, in ms; doubles per attempt with jitter. Default 100. */
  initialDelayMs?: number;
  /** Upper bound on one backoff, in ms. Default 5000. */
  maxDelayMs?: number;
  /** PutRecords calls in flight at once, across all `send` calls. Default 4. */
  concurrency?: number;
  /** Stops retrying; records not yet accepted come back failed with `Aborted`. */
  signal?: AbortSignal;
  onRetry?: (info: { attempt: number; records: number; errorCode: string; delayMs: number }) => void;
}

/** Per-record ErrorCodes worth resending. Others (KMS access/disabled/not-found ...) are final. */
const RETRIABLE_RECORD_CODES = new Set(['ProvisionedThroughputExceededException', 'InternalFailure', 'KMSThrottlingException']);

/** Wraps what the SDK threw for a whole PutRecords call into a {@link SluiceError} (see the table in `aws/errors.ts`). */
export function classifyPutRecordsError(error: unknown, streamName: string): SluiceError {
  return classifyAwsError(error, `PutRecords to stream "${streamName}"`);
}

/** Byte size Kinesis charges a record: data plus the partition key in UTF-8. */
export function recordSize(record: ProducerRecord): number {
  return record.data.byteLength + Buffer.byteLength(record.partitionKey, 'utf8');
}

/**
 * Validates records and splits them, in order, into PutRecords batches of at most 500 records and 5 MiB.
 * Returns input indices per batch. Throws a user error naming the first invalid record.
 */
export function planBatches(records: readonly ProducerRecord[]): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  records.forEach((record, i) => {
    const keyChars = [...record.partitionKey].length;
    if (keyChars < 1 || keyChars > PARTITION_KEY_MAX_CHARS) {
      throw new SluiceError(`Invalid records[${i}].partitionKey: ${keyChars} characters. Fix: use a partition key of 1 to ${PARTITION_KEY_MAX_CHARS} characters`, { domain: 'user', code: 'InvalidPartitionKey' });
    }
    const size = recordSize(record);
    if (size > RECORD_MAX_BYTES) {
      throw new SluiceError(
        `Invalid records[${i}]: ${size} bytes (data ${record.data.byteLength} + partition key ${size - record.data.byteLength}) exceeds the Kinesis record limit of ${RECORD_MAX_BYTES} bytes. Fix: split or compress the payload`,
        { domain: 'user', code: 'RecordTooLarge' },
      );
    }
    if (current.length === PUT_RECORDS_MAX_RECORDS || bytes + size > PUT_RECORDS_MAX_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Counts in-flight calls; `acquire` waits for a free slot. */
class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(slots: number) {
    this.free = slots;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Writes records to one Kinesis stream with PutRecords, resending only the records Kinesis rejected.
 * The caller owns the client (and its endpoint, credentials, HTTP handler).
 *
 * @example
 * const producer = new KinesisProducer(client, 'clicks', { maxAttempts: 5 });
 * const result = await producer.send([{ data: new TextEncoder().encode('hi'), partitionKey: 'k' }]);
 * if (result.failed > 0) console.warn(result.outcomes.filter((o) => o.status === 'failed'));
 */
export class KinesisProducer {
  private readonly maxAttempts: number;
  private readonly semaphore: Semaphore;
  private readonly stats: ProducerCounters = { recordsSent: 0, recordsRetried: 0, recordsFailed: 0, bytesSent: 0, requests: 0 };
  private closed = false;

  constructor(
    private readonly client: KinesisClient,
    readonly streamName: string,
    private readonly options: KinesisProducerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new SluiceError(`Invalid maxAttempts: ${this.maxAttempts}. Fix: use a whole number >= 1, e.g. 5`, { domain: 'user', code: 'InvalidOption' });
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new SluiceError(`Invalid concurrency: ${concurrency}. Fix: use a whole number >= 1, e.g. 4`, { domain: 'user', code: 'InvalidOption' });
    }
    this.semaphore = new Semaphore(concurrency);
  }

  /** A snapshot of the running totals. */
  counters(): ProducerCounters {
    return { ...this.stats };
  }

  /**
   * Sends `records`, batching within PutRecords limits. Resolves with one outcome per record;
   * rejects only for invalid input (user) or a non-retriable call failure such as a missing stream (external).
   */
  async send(records: readonly ProducerRecord[]): Promise<SendResult> {
    if (this.closed) throw new SluiceError(`KinesisProducer for "${this.streamName}" is closed. Fix: create a new producer`, { domain: 'user', code: 'ProducerClosed' });
    const batches = planBatches(records);
    const outcomes = new Array<RecordOutcome>(records.length);
    let retried = 0;
    let fatal: unknown;
    await Promise.all(
      batches.map(async (batch) => {
        try {
          retried += await this.sendBatch(records, batch, outcomes, () => fatal !== undefined);
        } catch (error) {
          fatal ??= error;
        }
      }),
    );
    if (fatal !== undefined) throw fatal;
    let sent = 0;
    for (const o of outcomes) if (o.status === 'ok') sent++;
    return { outcomes, sent, failed: records.length - sent, retried };
  }

  /** Marks the producer closed. The client belongs to the caller and stays open. Safe to call twice. */
  close(): void {
    this.closed = true;
  }

  private async sendBatch(records: readonly ProducerRecord[], batch: number[], outcomes: RecordOutcome[], stop: () => boolean): Promise<number> {
    let pending = batch;
    let retried = 0;
    let attemptsMade = 0;
    let lastCode = 'Unknown';
    // Why each pending record was last refused, so a final failure reports its own reason.
    const lastError = new Map<number, { code: string; message: string }>();
    let aborted = false;
    let lastThrown: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) {
        const delayMs = backoffDelay(attempt - 2, { initialDelayMs: this.options.initialDelayMs ?? 100, maxDelayMs: this.options.maxDelayMs ?? 5000 });
        this.options.onRetry?.({ attempt, records: pending.length, errorCode: lastCode, delayMs });
        if (lastThrown !== undefined) notifyAwsRetry(lastThrown, attempt - 1, delayMs);
        else awsEvents.emit('aws.retry', { service: 'kinesis', operation: 'PutRecords', errorName: lastCode, throttled: THROTTLE_CODES.has(lastCode), attempt: attempt - 1, delayMs });
        lastThrown = undefined;
        await sleep(delayMs, this.options.signal);
      }
      if (this.options.signal?.aborted || stop()) {
        aborted = true;
        break;
      }
      if (attempt > 1) {
        retried += pending.length;
        this.stats.recordsRetried += pending.length;
      }
      attemptsMade = attempt;
      let results: PutRecordsResultEntry[];
      try {
        results = await this.put(records, pending);
      } catch (thrown) {
        const error = classifyPutRecordsError(thrown, this.streamName);
        if (!error.retriable) throw error;
        lastThrown = error;
        lastCode = error.code;
        for (const index of pending) lastError.set(index, { code: error.code, message: error.message });
        continue;
      }
      const again: number[] = [];
      pending.forEach((index, j) => {
        const r = results[j] as PutRecordsResultEntry;
        if (r.ErrorCode === undefined && r.SequenceNumber !== undefined && r.ShardId !== undefined) {
          outcomes[index] = { status: 'ok', shardId: r.ShardId, sequenceNumber: r.SequenceNumber, attempts: attempt };
          this.stats.recordsSent++;
          this.stats.bytesSent += recordSize(records[index] as ProducerRecord);
        } else if (r.ErrorCode !== undefined && RETRIABLE_RECORD_CODES.has(r.ErrorCode)) {
          lastCode = r.ErrorCode;
          lastError.set(index, { code: r.ErrorCode, message: r.ErrorMessage ?? r.ErrorCode });
          again.push(index);
        } else {
          const errorCode = r.ErrorCode ?? 'MalformedResponse';
          outcomes[index] = { status: 'failed', errorCode, errorMessage: r.ErrorMessage ?? 'Kinesis returned neither an error nor a sequence number', attempts: attempt };
          this.stats.recordsFailed++;
        }
      });
      pending = again;
    }
    // Attempts ran out (or the send was aborted): what is still pending fails with the last reason seen.
    for (const index of pending) {
      const last = aborted
        ? { code: 'Aborted', message: 'the send was aborted before Kinesis accepted the record' }
        : (lastError.get(index) ?? { code: 'Unknown', message: 'no attempt was made' });
      outcomes[index] = { status: 'failed', errorCode: last.code, errorMessage: last.message, attempts: attemptsMade };
      this.stats.recordsFailed++;
    }
    return retried;
  }

  private async put(records: readonly ProducerRecord[], indices: number[]): Promise<PutRecordsResultEntry[]> {
    const entries: PutRecordsRequestEntry[] = indices.map((i) => {
      const r = records[i] as ProducerRecord;
      return { Data: r.data, PartitionKey: r.partitionKey, ...(r.explicitHashKey === undefined ? {} : { ExplicitHashKey: r.explicitHashKey }) };
    });
    await this.semaphore.acquire();
    try {
      this.stats.requests++;
      const response = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: entries }));
      const results = response.Records ?? [];
      if (results.length !== entries.length) {
        throw new SluiceError(`PutRecords to stream "${this.streamName}" returned ${results.length} results for ${entries.length} records`, { domain: 'external', code: 'MalformedResponse' });
      }
      return results;
    } finally {
      this.semaphore.release();
    }
  }
}
