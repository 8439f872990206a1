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
  it("refuses a pipeline window, pointing at the ESM's tumbling window", () => {
    expect(() => createHandler({ ...config, window: { kind: 'sliding', length: '20s' } })).toThrow(/window\.kind is "sliding".*TumblingWindowInSeconds/);
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
