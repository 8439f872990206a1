import { SluiceError } from '../errors.js';

/** Typed arrays as base64 of their bytes: exact, and about half the size of JSON numbers in a checkpoint. */
export function encodeF64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeF64(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function encodeI32(a: Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeI32(s: string): Int32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Int32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

type Typed = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array;

/** Any typed array as base64 of its bytes (platform byte order, as the F64/I32 forms). */
export function encodeTyped(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Decodes base64 bytes into `into` (which fixes type and length); a length mismatch names `field`. */
export function decodeTyped<T extends Typed>(s: string, into: T, field: string): T {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength !== into.byteLength) {
    throw new SluiceError(`Invalid detector state: ${field} holds ${b.byteLength} bytes, expected ${into.byteLength}. Fix: restore a checkpoint written with the same parameters, or start afresh.`, {
      domain: 'user',
      code: 'InvalidDetectorState',
    });
  }
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(b);
  return into;
}
