import { createHash } from 'node:crypto';

/** Encodes a KPL aggregated record (what the KPL writes) for tests: magic, protobuf, MD5. */
export function aggregate(records: { partitionKey: string; data: Uint8Array }[]): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
    return out;
  };
  const bytesField = (field: number, bytes: Uint8Array): number[] => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
  const keys = [...new Set(records.map((r) => r.partitionKey))];
  const body: number[] = [];
  for (const k of keys) body.push(...bytesField(1, Buffer.from(k)));
  for (const r of records) {
    const inner = [...varint((1 << 3) | 0), ...varint(keys.indexOf(r.partitionKey)), ...bytesField(3, r.data)];
    body.push(...bytesField(3, Uint8Array.from(inner)));
  }
  const proto = Uint8Array.from(body);
  const digest = createHash('md5').update(proto).digest();
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), proto, digest]);
}
