import type { KinesisStreamRecord } from 'aws-lambda';
import type { SourceRecord } from '../core/source.js';
import { SluiceError } from '../errors.js';
import { deaggregate } from '../kinesis/kpl.js';

/** The shard id of an event record: its `eventID` is `<shardId>:<sequenceNumber>`. */
export function shardOf(record: KinesisStreamRecord): string {
  const id = record.eventID ?? '';
  const colon = id.lastIndexOf(':');
  if (colon <= 0) {
    throw new SluiceError(`Kinesis event record has eventID ${JSON.stringify(id)}, expected "<shardId>:<sequenceNumber>"; is this a Kinesis event?`, {
      domain: 'user',
      code: 'InvalidKinesisEvent',
    });
  }
  return id.slice(0, colon);
}

/**
 * The records of a Kinesis event as the engine reads them: base64 data decoded, KPL aggregates
 * split into their user records (as the shard reader does), arrival time in epoch ms.
 */
export function toSourceRecords(records: readonly KinesisStreamRecord[]): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (const r of records) {
    if (typeof r.kinesis?.data !== 'string' || typeof r.kinesis.sequenceNumber !== 'string') {
      throw new SluiceError(`Kinesis event record ${JSON.stringify(r.eventID)} lacks kinesis.data or kinesis.sequenceNumber; is this a Kinesis event?`, {
        domain: 'user',
        code: 'InvalidKinesisEvent',
      });
    }
    const data = Buffer.from(r.kinesis.data, 'base64');
    const record = {
      shardId: shardOf(r),
      sequenceNumber: r.kinesis.sequenceNumber,
      partitionKey: r.kinesis.partitionKey,
      arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
    for (const u of deaggregate(record)) out.push(u);
  }
  return out;
}
