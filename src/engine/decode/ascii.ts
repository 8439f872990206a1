/**
 * Strings from bytes without a TextDecoder per field: ASCII runs become strings through
 * `latin1Slice` (one native call, no copy of the bytes), and each column keeps a small table of
 * the strings it saw last, so a column of a few hundred distinct values (sensor ids, statuses,
 * event types) allocates no string at all after the first batch.
 */

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/** `bytes[start, end)`, all below 0x80, as a string. */
export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(bytes, start, end);
}

const SLOTS = 512;
/** Longer strings are rarely repeated (ids, free text): they are not looked up. */
const MAX_INTERNED = 32;

/** A per-column table of recent ASCII strings, found by a hash of their bytes. */
export class InternTable {
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

  /** `bytes[start, end)` (ASCII) as a string; `hash` is {@link hashStep} folded over those bytes. */
  get(bytes: Uint8Array, start: number, end: number, hash: number): string {
    const len = end - start;
    if (len > MAX_INTERNED) return latin1Slice.call(bytes, start, end);
    const slot = (hash ^ (hash >>> 9) ^ len) & (SLOTS - 1);
    const s = this.slots[slot];
    if (s !== undefined && s.length === len) {
      let i = 0;
      while (i < len && s.charCodeAt(i) === bytes[start + i]) i++;
      if (i === len) return s;
    }
    const made = latin1Slice.call(bytes, start, end);
    this.slots[slot] = made;
    return made;
  }
}

/** One step of the byte hash the intern table uses. */
export function hashStep(hash: number, byte: number): number {
  return (Math.imul(hash, 31) + byte) | 0;
}
