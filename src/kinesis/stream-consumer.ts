import { DescribeStreamConsumerCommand, RegisterStreamConsumerCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { describeStream } from '../aws/admin.js';
import { awsCall, awsErrorCode } from '../aws/errors.js';
import { SluiceError, invalidOption } from '../errors.js';
import { retry, sleep } from '../retry.js';

export interface StreamConsumer {
  streamArn: string;
  consumerName: string;
  consumerArn: string;
}

/**
 * Registers an enhanced fan-out consumer unless it exists, and waits until it is ACTIVE.
 * Idempotent: a second worker (or a restart) finds the consumer registered and reuses it.
 * Throttled control-plane calls (RegisterStreamConsumer: 5/s per stream, Describe: 20/s) back off.
 */
export async function ensureStreamConsumer(kinesis: KinesisClient, streamName: string, consumerName: string, timeoutMs = 120_000): Promise<StreamConsumer> {
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(consumerName)) {
    throw invalidOption('source.consumerName', consumerName, 'use 1-128 characters from a-z A-Z 0-9 _ . -');
  }
  const stream = await retry(() => describeStream(kinesis, streamName), { retries: 8, initialDelayMs: 200 });
  const streamArn = stream.arn!;
  await retry(
    async () => {
      try {
        await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }));
      } catch (error) {
        if (awsErrorCode(error) === 'ResourceInUseException') return; // already registered
        await awsCall(`RegisterStreamConsumer ${consumerName} on stream ${streamName}`, () => Promise.reject(error));
      }
    },
    { retries: 10, initialDelayMs: 200, maxDelayMs: 5_000 },
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await retry(
      () => awsCall(`DescribeStreamConsumer ${consumerName}`, () => kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }))),
      { retries: 10, initialDelayMs: 200, maxDelayMs: 5_000 },
    );
    const c = d.ConsumerDescription!;
    if (c.ConsumerStatus === 'ACTIVE') return { streamArn, consumerName, consumerArn: c.ConsumerARN! };
    if (c.ConsumerStatus === 'DELETING') {
      throw new SluiceError(`Consumer ${consumerName} of stream ${streamName} is being deregistered. Fix: wait until it is gone, or use another source.consumerName`, {
        domain: 'user',
        code: 'ConsumerDeleting',
      });
    }
    if (Date.now() > deadline) {
      throw new SluiceError(`Consumer ${consumerName} of stream ${streamName} is still ${c.ConsumerStatus} after ${timeoutMs} ms`, { domain: 'external', code: 'ConsumerNotActive', retriable: true });
    }
    await sleep(250);
  }
}
