import { asciiString } from './ascii.js';

/** Byte-level pieces of JSON shared by the byte decoder: white space, literals, strings and their escapes. */

export const QUOTE = 34;
export const BACKSLASH = 92;

/** Skips the string at `i` (ASCII, escapes checked as JSON.parse would); returns where it ends, or -1. */
export function skipString(b: Uint8Array, i: number, n: number): number {
  for (let k = i + 1; k < n; k++) {
    const y = b[k]!;
    if (y === QUOTE) return k + 1;
    if (y < 0x20 || y >= 0x80) return -1;
    if (y !== BACKSLASH) continue;
    const len = escapeLength(b, k, n);
    if (len < 0) return -1;
    k += len - 1;
  }
  return -1;
}

/** The length of the escape at `k` (a backslash): 2, or 6 for \uXXXX; -1 if JSON.parse would refuse it. */
export function escapeLength(b: Uint8Array, k: number, n: number): number {
  const e = b[k + 1];
  if (e === 117) {
    if (k + 6 > n) return -1;
    for (let h = 2; h < 6; h++) if (hex(b[k + h]!) < 0) return -1;
    return 6;
  }
  return e === QUOTE || e === BACKSLASH || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116 ? 2 : -1;
}

function hex(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
}

const SIMPLE_ESCAPES: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };

/** The ASCII string `b[s, e)` with its (already checked) escapes resolved, as JSON.parse gives it (lone surrogates included). */
export function unescape(b: Uint8Array, s: number, e: number): string {
  let out = '';
  let run = s;
  for (let k = s; k < e; k++) {
    if (b[k] !== BACKSLASH) continue;
    if (k > run) out += asciiString(b, run, k);
    const x = b[k + 1]!;
    if (x === 117) {
      out += String.fromCharCode((hex(b[k + 2]!) << 12) | (hex(b[k + 3]!) << 8) | (hex(b[k + 4]!) << 4) | hex(b[k + 5]!));
      k += 5;
    } else {
      out += SIMPLE_ESCAPES[x]!;
      k += 1;
    }
    run = k + 1;
  }
  if (e > run) out += asciiString(b, run, e);
  return out;
}

/** Skips JSON white space. */
export function ws(b: Uint8Array, i: number, n: number): number {
  while (i < n) {
    const x = b[i];
    if (x !== 32 && x !== 10 && x !== 13 && x !== 9) break;
    i++;
  }
  return i;
}

export function literal(b: Uint8Array, i: number, n: number, word: string): boolean {
  if (i + word.length > n) return false;
  for (let j = 0; j < word.length; j++) if (b[i + j] !== word.charCodeAt(j)) return false;
  return true;
}
