/**
 * The malformed records the demo mixes into the seed traffic: one of each way a real producer
 * goes wrong, so the dead-letter path is exercised end to end.
 */
export const MALFORMED_KINDS = ['not-a-number', 'empty', 'binary', 'missing-column', 'extra-column', 'oversized'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export function malformedRecord(kind: MalformedKind, n: number): Uint8Array {
  switch (kind) {
    case 'not-a-number':
      return Buffer.from(`bob${n},abc,OK`);
    case 'empty':
      return new Uint8Array(0);
    case 'binary': {
      // Not UTF-8: a lone continuation byte, an overlong lead, 0xFF.
      const b = Buffer.from([0x80, 0xc0, 0xaf, 0xff, 0xfe, 0x00, n & 0xff, 0x9f]);
      return b;
    }
    case 'missing-column':
      return Buffer.from(`carol${n},120`);
    case 'extra-column':
      return Buffer.from(`dave${n},99,OK,extra`);
    case 'oversized':
      // 300 KB: above the decoder's 256 KiB default, below Kinesis' 1 MiB limit.
      return Buffer.from(`erin${n},${'9'.repeat(300_000)},OK`);
  }
}

export { seededRandom } from '../random.js';
