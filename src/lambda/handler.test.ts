import { describe, expect, it } from 'vitest';
import { createHandler } from './handler.js';
import { toSourceRecords } from './records.js';

const config = {
  app: 'lambda-unit',
  source: { stream: 's' },
  format: { kind: 'csv' as const, columns: [{ name: 'id', type: 'string' as const }] },
  outputs: [{ name: 'o', sql: 'SELECT id FROM events', sink: { kind: 'console' as const } }],
};

describe('createHandler', () => {
  it("runs a windowed pipeline's incremental outputs per invocation and skips, by name and reason, those that need the window's rows", async () => {
    const printed: string[] = [];
    const windowed = {
      ...config,
      window: { kind: 'sliding' as const, length: '20s' },
      outputs: [
        { name: 'every', sql: 'SELECT id FROM events', sink: { kind: 'console' as const } },
        { name: 'top', sql: 'SELECT id FROM events ORDER BY id DESC LIMIT 1', sink: { kind: 'console' as const } },
      ],
    };
    const handler = createHandler(windowed, { out: (t) => printed.push(t) });
    try {
      const record = (seq: string, text: string) => ({
        kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: seq, data: Buffer.from(text).toString('base64'), approximateArrivalTimestamp: 1764669600.5 },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn',
      });
      expect(await handler({ Records: [record('1', 'alpha'), record('2', 'beta')] })).toEqual({ batchItemFailures: [] });
    } finally {
      await handler.close();
    }
    const text = printed.join('');
    expect(text).toMatch(/output top is skipped on Lambda: planned as topk/);
    expect(text).toMatch(/alpha[\s\S]*beta|beta[\s\S]*alpha/);
    expect(text).not.toMatch(/output every is skipped/);
  });

  it('refuses an event-time window, saying why', async () => {
    const handler = createHandler({ ...config, window: { kind: 'tumbling', length: '10s', eventTime: { column: '_arrival', watermark: '5s' } } });
    try {
      await expect(handler({ Records: [] })).rejects.toThrow(/window\.eventTime is set.*no watermark across invocations/);
    } finally {
      await handler.close();
    }
  });

  it('refuses an invalid pipeline with the field-naming error of sluice run', () => {
    expect(() => createHandler({ ...config, outputs: [] })).toThrow(/outputs/);
  });
});

describe('toSourceRecords', () => {
  const record = (eventID: string, data: string) => ({
    kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: '42', data, approximateArrivalTimestamp: 1764669600.5 },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn',
  });

  it('decodes base64 and takes the shard from eventID and the arrival time in ms', () => {
    const [r] = toSourceRecords([record('shardId-000000000003:42', Buffer.from('hello').toString('base64'))]);
    expect(r).toMatchObject({ shardId: 'shardId-000000000003', sequenceNumber: '42', arrivalMs: 1764669600500, partitionKey: 'p' });
    expect(Buffer.from(r!.data).toString()).toBe('hello');
  });

  it('says what is wrong with an event that is not a Kinesis event', () => {
    expect(() => toSourceRecords([record('no-colon', '')])).toThrow(/eventID "no-colon", expected "<shardId>:<sequenceNumber>"/);
  });
});
