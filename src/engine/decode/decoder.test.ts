import { describe, expect, it } from 'vitest';
import type { KinesisRecord } from '../../kinesis/record.js';
import { Decoder } from './decoder.js';
import type { RecordFormat } from './schema.js';

const seedFormat: RecordFormat = {
  kind: 'csv',
  columns: [
    { name: 'id', type: 'string' },
    { name: 'currentTemp', type: 'int' },
    { name: 'status', type: 'string' },
  ],
};

let seq = 1000;
function rec(data: string | Uint8Array, shardId = 'shardId-000000000001'): KinesisRecord {
  return { shardId, sequenceNumber: String(seq++), partitionKey: 'pk', arrivalMs: 1_700_000_000_000, data: typeof data === 'string' ? Buffer.from(data) : data };
}

describe('Decoder (CSV)', () => {
  const d = new Decoder(seedFormat);

  it('decodes the seed template output into typed columns plus position metadata', () => {
    const r = rec('Ada,312,WARN');
    const { batch: { rows }, deadLetters } = d.decode([r]);
    expect(deadLetters).toEqual([]);
    expect(rows).toEqual([{ id: 'Ada', currentTemp: 312, status: 'WARN', _shard: r.shardId, _seq: r.sequenceNumber, _arrival: r.arrivalMs }]);
  });

  it.each([
    ['bob,abc,OK', /field currentTemp: "abc" is not an integer; fix: /],
    ['', /record is empty/],
    ['alice,120', /2 fields, expected 3 \(id,currentTemp,status\)/],
    ['a,1,OK,x', /4 fields, expected 3/],
    ['ed,12.5,OK', /field currentTemp: "12.5" is not an integer/],
    ['ed,,OK', /field currentTemp: empty value for a non-nullable int column/],
    ['ed,99999999999,OK', /out of range for int; fix: declare the column as long/],
    ['"ed,1,OK', /unterminated quoted field/],
    [',,', /field id: empty value/],
  ])('sends %j to the dead letters with a reason naming the problem', (text, reason) => {
    const r = rec(text);
    const { batch: { rows }, deadLetters } = d.decode([r]);
    expect(rows).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.reason).toMatch(reason);
    expect(deadLetters[0]!.stage).toBe('decode');
    expect(deadLetters[0]!.position).toMatchObject({ shardId: r.shardId, sequenceNumber: r.sequenceNumber });
    expect(Buffer.from(deadLetters[0]!.raw).toString()).toBe(text);
  });

  it('names the field count, not an empty first field, for a row of 9,999 commas', () => {
    for (const text of [','.repeat(9_999), `,x${','.repeat(9_998)}`]) {
      const { deadLetters } = d.decode([rec(text)]);
      expect(deadLetters[0]!.reason).toMatch(/^record has 10000 fields, expected 3 \(id,currentTemp,status\)/);
    }
  });

  it('refuses binary garbage as invalid UTF-8 and keeps the exact bytes', () => {
    const bytes = new Uint8Array([0xc3, 0x28, 0xa0, 0xa1, 0xff]);
    const { deadLetters } = d.decode([rec(bytes)]);
    expect(deadLetters[0]!.reason).toMatch(/not valid UTF-8.*0xc328a0a1ff/);
    expect(deadLetters[0]!.raw).toEqual(bytes);
  });

  it('refuses records above maxRecordBytes before parsing them', () => {
    const small = new Decoder({ ...seedFormat, maxRecordBytes: 10 } as RecordFormat);
    const { deadLetters } = small.decode([rec('Ada,312,WARN')]);
    expect(deadLetters[0]!.reason).toMatch(/12 bytes, above format.maxRecordBytes 10/);
  });

  it('keeps going after a bad record: one bad record never fails the batch', () => {
    const { batch: { rows }, deadLetters } = d.decode([rec('a,1,OK'), rec('bad'), rec('b,2,OK')]);
    expect(rows.map((r) => r.id)).toEqual(['a', 'b']);
    expect(deadLetters).toHaveLength(1);
  });

  it('handles quoted fields with delimiters and doubled quotes, and CRLF endings', () => {
    const { batch: { rows } } = d.decode([rec('"Smith, J",101,"said ""hi"""\r\n')]);
    expect(rows[0]).toMatchObject({ id: 'Smith, J', currentTemp: 101, status: 'said "hi"' });
  });

  it('validates the schema itself with errors naming the field and the fix', () => {
    expect(() => new Decoder({ kind: 'csv', columns: [{ name: '1x', type: 'int' }] })).toThrow(/format.columns\[0\].name.*"1x".*letter/);
    expect(() => new Decoder({ kind: 'csv', columns: [{ name: '_seq', type: 'int' }] })).toThrow(/_seq.*metadata columns/);
    expect(() => new Decoder({ kind: 'csv', columns: [{ name: 'a', type: 'int' }, { name: 'A', type: 'int' }] })).toThrow(/unique/);
  });
});

describe('Decoder (JSON)', () => {
  const d = new Decoder({
    kind: 'json',
    columns: [
      { name: 'event_type', type: 'string' },
      { name: 'count', type: 'long' },
      { name: 'ts', type: 'timestamp' },
      { name: 'note', type: 'string', nullable: true },
    ],
  });

  it('decodes objects to the declared columns and ignores others', () => {
    const { batch: { rows }, deadLetters } = d.decode([rec('{"event_type":"Green","count":3,"ts":"2026-11-23T10:00:00Z","extra":1}')]);
    expect(deadLetters).toEqual([]);
    expect(rows[0]).toMatchObject({ event_type: 'Green', count: 3, ts: new Date('2026-11-23T10:00:00Z'), note: null });
    expect(rows[0]).not.toHaveProperty('extra');
  });

  it.each([
    ['{"event_type":"x","count":"3","ts":1}', /field count: "3" is not an integer/],
    ['{"count":3,"ts":1}', /field event_type: missing in a non-nullable string column/],
    ['[1,2]', /JSON array, expected an object/],
    ['{"event_type":', /not valid JSON/],
    ['{"event_type":"x","count":1,"ts":"yesterday"}', /field ts: "yesterday" is not a timestamp/],
  ])('dead-letters %j', (text, reason) => {
    const { deadLetters } = d.decode([rec(text)]);
    expect(deadLetters[0]?.reason).toMatch(reason);
  });
});

describe('Decoder (CSV) refuses JSON', () => {
  const d = new Decoder(seedFormat);

  it.each([['["g5", 50, "OK"]', 'array'], ['{"id":"g5","currentTemp":50,"status":"OK"}', 'object']])(
    'a JSON %s is a dead letter with a reason, not a row (it splits into the right number of fields)',
    (text, kind) => {
      const r = rec(text);
      const { batch: { rows }, deadLetters } = d.decode([r]);
      expect(rows).toEqual([]);
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0]!.reason).toMatch(new RegExp(`JSON ${kind}, not a CSV line.*format\\.kind: json`));
      expect(deadLetters[0]!.position?.sequenceNumber).toBe(r.sequenceNumber);
    },
  );

  it('still accepts a CSV field that merely starts with a bracket', () => {
    const { batch: { rows }, deadLetters } = d.decode([rec('[Ada],312,WARN')]);
    expect(deadLetters).toEqual([]);
    expect(rows[0]).toMatchObject({ id: '[Ada]', currentTemp: 312 });
  });
});
