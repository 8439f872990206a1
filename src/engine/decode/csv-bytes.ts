import { InternTable, asciiString, hashStep } from './ascii.js';
import type { ColumnArrays } from './column-arrays.js';
import type { ColumnSpec } from './schema.js';
import { isoUtcMs } from './timestamp-bytes.js';

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** 10^k for k <= 22: exact doubles, so digits / 10^k is the correctly rounded decimal. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * CSV on bytes: the common record (UTF-8, a one-byte delimiter, plain or quoted fields that
 * convert plainly) is split and converted where its bytes lie, straight into the batch's columns;
 * strings are made only for string columns, and repeated ones are shared. Anything else (a quote
 * inside an unquoted field or after a closing one, a JSON line, an empty or malformed field, a
 * field count that is off, bytes that are not UTF-8) is left to the text decoder, which gives
 * every dead-letter reason; so this path decides nothing.
 */
export class CsvBytes {
  private readonly types: Uint8Array;
  private readonly interns: InternTable[];
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  private constructor(
    columns: readonly ColumnSpec[],
    private readonly delimiter: number,
  ) {
    this.types = Uint8Array.from(columns, (c) => TYPE_CODES[c.type]);
    this.interns = columns.map(() => new InternTable());
  }

  /** The byte decoder for these columns, or undefined when the delimiter is not one plain ASCII byte. */
  static for(columns: readonly ColumnSpec[], delimiter: string): CsvBytes | undefined {
    const d = delimiter.length === 1 ? delimiter.charCodeAt(0) : -1;
    if (d < 0 || d >= 0x80 || d === QUOTE || d === CR || d === LF) return undefined;
    return new CsvBytes(columns, d);
  }

  /** Writes the record into row `row` of `out` and returns true, or returns false: the text decoder must take it. */
  row(b: Uint8Array, out: ColumnArrays, row: number): boolean {
    let end = b.length;
    // A JSON array or object, or leading white space: the text decoder checks for JSON.
    const first = b[0]!;
    if (first === 91 || first === 123 || first === 32 || first === 9 || first === CR || first === LF || first >= 0x80) return false;
    while (end > 0 && (b[end - 1] === LF || b[end - 1] === CR)) end--;
    const cols = this.types;
    const last = cols.length - 1;
    const delim = this.delimiter;
    let i = 0;
    for (let c = 0; c <= last; c++) {
      // A quoted field (RFC 4180): its text lies between the quotes, "" standing for a quote.
      const quoted = b[i] === QUOTE;
      const start = quoted ? i + 1 : i;
      let hash = 0;
      let high = 0;
      let doubled = false;
      let stop: number;
      if (quoted) {
        i++;
        for (;;) {
          if (i >= end) return false; // unterminated: the text decoder says so
          const x = b[i]!;
          if (x === QUOTE) {
            if (b[i + 1] !== QUOTE) break;
            doubled = true;
            i += 2;
            continue;
          }
          high |= x;
          hash = hashStep(hash, x);
          i++;
        }
        stop = i;
        i++;
        // Anything but a delimiter or the end after the closing quote: the text decoder's.
        if (i < end && b[i] !== delim) return false;
      } else {
        while (i < end) {
          const x = b[i]!;
          if (x === delim) break;
          if (x === QUOTE) return false;
          high |= x;
          hash = hashStep(hash, x);
          i++;
        }
        stop = i;
      }
      // Field count: every field but the last ends at a delimiter, the last at the end.
      if (c < last ? i >= end : i < end) return false;
      i++;
      if (stop === start) return false;
      const type = cols[c]!;
      if (type === STRING) {
        let text: string;
        if (high < 0x80) text = doubled ? asciiString(b, start, stop) : this.interns[c]!.get(b, start, stop, hash);
        else {
          try {
            text = this.utf8.decode(b.subarray(start, stop));
          } catch {
            return false;
          }
        }
        out.str(c, row, doubled ? text.replaceAll('""', '"') : text);
        continue;
      }
      if (doubled) return false;
      if (high >= 0x80) return false;
      const v = type === BOOLEAN ? bool(b, start, stop) : type === TIMESTAMP ? timestamp(b, start, stop) : type === DOUBLE ? decimal(b, start, stop) : integer(b, start, stop, type === INT);
      if (Number.isNaN(v)) return false;
      out.num(c, row, v);
    }
    return true;
  }
}

const STRING = 0;
const INT = 1;
const LONG = 2;
const DOUBLE = 3;
const BOOLEAN = 4;
const TIMESTAMP = 5;
const TYPE_CODES = { string: STRING, int: INT, long: LONG, double: DOUBLE, boolean: BOOLEAN, timestamp: TIMESTAMP } as const;

/** [+-]digits (at most 15), in range for int or long; NaN otherwise. */
function integer(b: Uint8Array, s: number, e: number, int32: boolean): number {
  let i = s;
  const neg = b[i] === 45;
  if (neg || b[i] === 43) i++;
  if (i === e || e - i > 15) return Number.NaN;
  let n = 0;
  for (; i < e; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  if (int32 && !(n < 2 ** 31 || (neg && n === 2 ** 31))) return Number.NaN;
  return neg ? -n : n;
}

/** [+-]digits[.digits] with at most 15 digits (no exponent); NaN otherwise. */
function decimal(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const neg = b[i] === 45;
  if (neg || b[i] === 43) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const x = b[i]!;
    if (x === 46 && frac < 0) {
      frac = 0;
      continue;
    }
    const d = x - 48;
    if (d < 0 || d > 9) return Number.NaN;
    m = m * 10 + d;
    digits++;
    if (frac >= 0) frac++;
  }
  if (digits === 0 || digits > 15) return Number.NaN;
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/** true, false, 1, 0 (lower case; other spellings go to the text decoder) as 1 or 0. */
function bool(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 1) return b[s] === 49 ? 1 : b[s] === 48 ? 0 : Number.NaN;
  if (n === 4 && b[s] === 116 && b[s + 1] === 114 && b[s + 2] === 117 && b[s + 3] === 101) return 1;
  if (n === 5 && b[s] === 102 && b[s + 1] === 97 && b[s + 2] === 108 && b[s + 3] === 115 && b[s + 4] === 101) return 0;
  return Number.NaN;
}

/** Epoch seconds (10-12 digits) or milliseconds (13), or an ISO-8601 UTC instant. */
export function timestamp(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n >= 10 && n <= 13) {
    let v = 0;
    let i = s;
    for (; i < e; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === e) return n === 13 ? v : v * 1000;
  }
  return isoUtcMs(b, s, e);
}
