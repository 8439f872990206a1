import { createHash } from 'node:crypto';
import type { KinesisRecord } from './record.js';

/**
 * De-aggregation of records written by the Kinesis Producer Library (KPL), as the KCL does:
 * an aggregated record is the magic bytes F3 89 9A C2, a protobuf `AggregatedRecord`, and the MD5
 * of that protobuf. Each inner record becomes its own record with the outer sequence number and a
 * sub-sequence number (its index). A record without the magic, or whose MD5 does not match, is
 * passed through unchanged (it may be user data that starts with the same bytes).
 *
 * Hand-written: the format is three small messages, and a protobuf runtime plus generated code
 * would outweigh the 60 lines of wire decoding needed here.
 */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_BYTES = 16;

interface Field {
  field: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length || shift > 63n) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, wire, varint: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('truncated field');
      yield { field, wire, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const utf8 = new TextDecoder();

export function isAggregated(data: Uint8Array): boolean {
  if (data.byteLength < KPL_MAGIC.length + DIGEST_BYTES) return false;
  for (let i = 0; i < KPL_MAGIC.length; i++) if (data[i] !== KPL_MAGIC[i]) return false;
  const body = data.subarray(KPL_MAGIC.length, data.byteLength - DIGEST_BYTES);
  const digest = createHash('md5').update(body).digest();
  return Buffer.compare(digest, data.subarray(data.byteLength - DIGEST_BYTES)) === 0;
}

/** The user records inside a record: itself if it is not a (valid) KPL aggregate. */
export function deaggregate(record: KinesisRecord): KinesisRecord[] {
  if (!isAggregated(record.data)) return [record];
  const body = record.data.subarray(KPL_MAGIC.length, record.data.byteLength - DIGEST_BYTES);
  try {
    const keys: string[] = [];
    const inner: { keyIndex: number; data: Uint8Array }[] = [];
    for (const f of fields(body)) {
      if (f.field === 1 && f.bytes) keys.push(utf8.decode(f.bytes));
      else if (f.field === 3 && f.bytes) {
        let keyIndex = 0;
        let data: Uint8Array = new Uint8Array(0);
        for (const g of fields(f.bytes)) {
          if (g.field === 1 && g.varint !== undefined) keyIndex = Number(g.varint);
          else if (g.field === 3 && g.bytes) data = g.bytes;
        }
        inner.push({ keyIndex, data });
      }
    }
    return inner.map((r, i) => ({
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
      subSequenceNumber: i,
      partitionKey: keys[r.keyIndex] ?? record.partitionKey,
      arrivalMs: record.arrivalMs,
      data: r.data,
    }));
  } catch {
    // A valid digest over a malformed protobuf: keep the outer record so it reaches the dead letters.
    return [record];
  }
}
