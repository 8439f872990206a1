import { InternTable, asciiString, hashStep } from './ascii.js';
import type { ColumnArrays } from './column-arrays.js';
import { timestamp } from './csv-bytes.js';
import { BACKSLASH, QUOTE, escapeLength, literal, skipString, unescape, ws } from './json-scan.js';
import type { ColumnSpec } from './schema.js';

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** What the last value read was. */
const NUMBER = 1;
const STRING = 2;
const TRUE = 3;
const FALSE = 4;
const NULL = 5;

/**
 * JSON on bytes for the common record: one object whose keys are plain ASCII and whose declared
 * keys hold strings, numbers, true, false or null. Declared keys are written straight into the
 * batch's columns, other keys (nested values included) are checked and skipped; strings are made
 * only for string columns. Anything else (a non-ASCII string with escapes, a value of the wrong
 * type, a missing field, malformed JSON, bytes that are not UTF-8) is left to the text decoder
 * (JSON.parse), which gives every dead-letter reason; so this path decides nothing.
 */
export class JsonBytes {
  private readonly names: Uint8Array[];
  private readonly types: Uint8Array;
  private readonly nullable: Uint8Array;
  private readonly interns: InternTable[];
  /** The row each column was last written in (a column not written in this row is missing). */
  private readonly seen: Float64Array;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The value just read: its kind, its number, where its string lies and the string's hash. */
  private kind = 0;
  private num = 0;
  private strStart = 0;
  private strEnd = 0;
  private hash = 0;
  private high = 0;
  /** The string just read has escapes (\n, \u00e9, ...). */
  private escaped = false;
  private stamp = 0;

  constructor(columns: readonly ColumnSpec[]) {
    this.names = columns.map((c) => Buffer.from(c.name, 'latin1'));
    this.types = Uint8Array.from(columns, (c) => ({ string: 0, int: 1, long: 2, double: 3, boolean: 4, timestamp: 5 })[c.type]);
    this.nullable = Uint8Array.from(columns, (c) => (c.nullable ? 1 : 0));
    this.interns = columns.map(() => new InternTable());
    this.seen = new Float64Array(columns.length).fill(-1);
  }

  /** Writes the record into row `row` of `out` and returns true, or returns false: the text decoder must take it. */
  row(b: Uint8Array, out: ColumnArrays, row: number): boolean {
    const stamp = ++this.stamp;
    const n = b.length;
    let i = ws(b, 0, n);
    if (b[i] !== 123) return false;
    i = ws(b, i + 1, n);
    if (b[i] === 125) i++;
    else {
      for (;;) {
        if (b[i] !== QUOTE) return false;
        // The key: plain ASCII, no escapes.
        const ks = i + 1;
        let k = ks;
        for (; k < n; k++) {
          const x = b[k]!;
          if (x === QUOTE) break;
          if (x === BACKSLASH || x < 0x20 || x >= 0x80) return false;
        }
        if (k >= n) return false;
        const c = this.column(b, ks, k);
        i = ws(b, k + 1, n);
        if (b[i] !== 58) return false;
        i = this.value(b, ws(b, i + 1, n), n);
        if (i < 0) return false;
        if (c >= 0) {
          if (!this.put(c, b, out, row)) return false;
          this.seen[c] = stamp;
        } else if (this.high >= 0x80) return false; // not validated as UTF-8: the text decoder does it
        i = ws(b, i, n);
        if (b[i] === 44) {
          i = ws(b, i + 1, n);
          continue;
        }
        if (b[i] !== 125) return false;
        i++;
        break;
      }
    }
    if (ws(b, i, n) !== n) return false;
    // Missing columns: null where allowed; otherwise the text decoder names the field.
    for (let c = 0; c < this.types.length; c++) {
      if (this.seen[c] === stamp) continue;
      if (this.nullable[c] === 0) return false;
      if (this.types[c] === 0) out.str(c, row, null);
      else out.nul(c, row);
    }
    return true;
  }

  /** The declared column named `b[s, e)`, or -1. */
  private column(b: Uint8Array, s: number, e: number): number {
    const len = e - s;
    const names = this.names;
    outer: for (let c = 0; c < names.length; c++) {
      const name = names[c]!;
      if (name.length !== len) continue;
      for (let j = 0; j < len; j++) if (name[j] !== b[s + j]) continue outer;
      return c;
    }
    return -1;
  }

  /** Reads one value at `i`; returns where it ends, or -1 for anything this path does not take. */
  private value(b: Uint8Array, i: number, n: number): number {
    const x = b[i];
    this.high = 0;
    if (x === QUOTE) {
      let hash = 0;
      let high = 0;
      let escaped = false;
      let k = i + 1;
      for (; k < n; k++) {
        const y = b[k]!;
        if (y === QUOTE) break;
        if (y < 0x20) return -1;
        if (y === BACKSLASH) {
          const len = escapeLength(b, k, n);
          if (len < 0) return -1;
          escaped = true;
          k += len - 1;
          continue;
        }
        high |= y;
        hash = hashStep(hash, y);
      }
      if (k >= n) return -1;
      this.kind = STRING;
      this.strStart = i + 1;
      this.strEnd = k;
      this.hash = hash;
      this.high = high;
      this.escaped = escaped;
      return k + 1;
    }
    const word = x === 116 ? 'true' : x === 102 ? 'false' : x === 110 ? 'null' : undefined;
    if (word !== undefined) {
      if (!literal(b, i, n, word)) return -1;
      this.kind = x === 116 ? TRUE : x === 102 ? FALSE : NULL;
      return i + word.length;
    }
    if (x === 45 || (x !== undefined && x >= 48 && x <= 57)) return this.number(b, i, n);
    if (x === 123 || x === 91) {
      // A nested object or array: only skipped (a declared column never takes one, the text path
      // names the type), but checked to be valid JSON as JSON.parse would.
      const end = this.nested(b, i, n, 0);
      // What was read inside is not this value.
      this.kind = 0;
      this.high = 0;
      return end;
    }
    return -1;
  }

  /** Skips the object or array at `i` (valid JSON, ASCII only, at most 32 deep); returns where it ends, or -1. */
  private nested(b: Uint8Array, i: number, n: number, depth: number): number {
    if (depth > 32) return -1;
    const object = b[i] === 123;
    const close = object ? 125 : 93;
    i = ws(b, i + 1, n);
    if (b[i] === close) return i + 1;
    for (;;) {
      if (object) {
        if (b[i] !== QUOTE) return -1;
        i = skipString(b, i, n);
        if (i < 0) return -1;
        i = ws(b, i, n);
        if (b[i] !== 58) return -1;
        i = ws(b, i + 1, n);
      }
      const x = b[i];
      if (x === 123 || x === 91) i = this.nested(b, i, n, depth + 1);
      else if (x === QUOTE) i = skipString(b, i, n);
      else {
        i = this.value(b, i, n);
        if (this.kind === 0) return -1;
      }
      if (i < 0) return -1;
      i = ws(b, i, n);
      if (b[i] === 44) {
        i = ws(b, i + 1, n);
        continue;
      }
      if (b[i] !== close) return -1;
      return i + 1;
    }
  }

  /** A JSON number (the grammar exactly: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?). */
  private number(b: Uint8Array, s: number, n: number): number {
    let i = s;
    const neg = b[i] === 45;
    if (neg) i++;
    let m = 0;
    let digits = 0;
    if (b[i] === 48) {
      i++;
      digits = 1;
    } else {
      for (; i < n; i++) {
        const d = b[i]! - 48;
        if (d < 0 || d > 9) break;
        m = m * 10 + d;
        digits++;
      }
      if (digits === 0) return -1;
    }
    let frac = 0;
    if (b[i] === 46) {
      i++;
      for (; i < n; i++) {
        const d = b[i]! - 48;
        if (d < 0 || d > 9) break;
        m = m * 10 + d;
        digits++;
        frac++;
      }
      if (frac === 0) return -1;
    }
    let exp = false;
    if (b[i] === 101 || b[i] === 69) {
      exp = true;
      i++;
      if (b[i] === 43 || b[i] === 45) i++;
      const e0 = i;
      while (i < n && b[i]! >= 48 && b[i]! <= 57) i++;
      if (i === e0) return -1;
    }
    this.kind = NUMBER;
    if (exp || digits > 15) this.num = Number(asciiString(b, s, i));
    else {
      const v = frac > 0 ? m / POW10[frac]! : m;
      this.num = neg ? -v : v;
    }
    return i;
  }

  /** Writes the value just read to column `c`, if it has the column's type (as JSON.parse and the schema check would take it). */
  private put(c: number, b: Uint8Array, out: ColumnArrays, row: number): boolean {
    const type = this.types[c]!;
    const kind = this.kind;
    if (kind === NULL) {
      if (this.nullable[c] === 0) return false;
      if (type === 0) out.str(c, row, null);
      else out.nul(c, row);
      return true;
    }
    switch (type) {
      case 0: {
        if (kind !== STRING) return false;
        if (this.escaped) {
          if (this.high >= 0x80) return false;
          out.str(c, row, unescape(b, this.strStart, this.strEnd));
          return true;
        }
        if (this.high < 0x80) {
          out.str(c, row, this.interns[c]!.get(b, this.strStart, this.strEnd, this.hash));
          return true;
        }
        try {
          out.str(c, row, this.utf8.decode(b.subarray(this.strStart, this.strEnd)));
          return true;
        } catch {
          return false;
        }
      }
      case 1:
      case 2: {
        const v = this.num;
        if (kind !== NUMBER || !Number.isInteger(v)) return false;
        const limit = type === 1 ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
        if (v >= limit || v < -limit) return false;
        out.num(c, row, v);
        return true;
      }
      case 3:
        if (kind !== NUMBER) return false;
        out.num(c, row, this.num);
        return true;
      case 4:
        if (kind !== TRUE && kind !== FALSE) return false;
        out.num(c, row, kind === TRUE ? 1 : 0);
        return true;
      default: {
        if (kind === NUMBER) {
          out.num(c, row, this.num < 1e11 ? this.num * 1000 : this.num);
          return true;
        }
        if (kind !== STRING || this.high >= 0x80 || this.escaped) return false;
        const ms = timestamp(b, this.strStart, this.strEnd);
        if (Number.isNaN(ms)) return false;
        out.num(c, row, ms);
        return true;
      }
    }
  }
}
