import { describe, expect, it } from 'vitest';
import { aggregate } from '../../test/helpers/kpl.js';
import { deaggregate, isAggregated } from './kpl.js';
import type { KinesisRecord } from './record.js';

const outer = (data: Uint8Array): KinesisRecord => ({ shardId: 'shardId-000000000000', sequenceNumber: '4967', partitionKey: 'outer', arrivalMs: 1, data });

describe('KPL de-aggregation', () => {
  it('splits an aggregate into its records, with their partition keys and sub-sequence numbers', () => {
    const data = aggregate([
      { partitionKey: 'a', data: Buffer.from('Ada,120,OK') },
      { partitionKey: 'b', data: Buffer.from('Bob,90,WARN') },
      { partitionKey: 'a', data: Buffer.from('Cy,300,FAIL') },
    ]);
    expect(isAggregated(data)).toBe(true);
    const out = deaggregate(outer(data));
    expect(out.map((r) => [Buffer.from(r.data).toString(), r.partitionKey, r.sequenceNumber, r.subSequenceNumber])).toEqual([
      ['Ada,120,OK', 'a', '4967', 0],
      ['Bob,90,WARN', 'b', '4967', 1],
      ['Cy,300,FAIL', 'a', '4967', 2],
    ]);
  });

  it('passes through plain records and records whose digest does not match', () => {
    const plain = Buffer.from('Ada,120,OK');
    expect(deaggregate(outer(plain))).toEqual([outer(plain)]);
    const tampered = Buffer.from(aggregate([{ partitionKey: 'a', data: Buffer.from('x') }]));
    tampered[tampered.length - 1] ^= 0xff;
    expect(isAggregated(tampered)).toBe(false);
    expect(deaggregate(outer(tampered))).toHaveLength(1);
  });
});
