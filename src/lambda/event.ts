import type { _Record as KinesisApiRecord } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';

/**
 * The event record the ESM makes of a record GetRecords returned: base64 data, arrival time in
 * seconds, `eventID` `<shardId>:<sequenceNumber>`. Used by `sluice lambda invoke` and the tests.
 */
export function toEventRecord(record: KinesisApiRecord, shardId: string, streamArn: string, region: string): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber: record.SequenceNumber ?? '',
      data: Buffer.from(record.Data ?? new Uint8Array(0)).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.SequenceNumber ?? ''}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/sluice-local',
    awsRegion: region,
    eventSourceARN: streamArn,
  };
}
