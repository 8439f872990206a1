/**
 * `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` (or a space for the T) read from bytes as epoch milliseconds,
 * or NaN for anything else (the caller then asks Date.parse, which decides). Only what Date.parse
 * reads the same way is accepted here: a UTC instant with a day of month up to 28, or up to the
 * month's length.
 */
export function isoUtcMs(b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len < 20 || len > 24 || b[e - 1] !== 90 /* Z */) return Number.NaN;
  if (b[s + 4] !== 45 || b[s + 7] !== 45 || (b[s + 10] !== 84 && b[s + 10] !== 32) || b[s + 13] !== 58 || b[s + 16] !== 58) return Number.NaN;
  const year = digits(b, s, 4);
  const month = digits(b, s + 5, 2);
  const day = digits(b, s + 8, 2);
  const hour = digits(b, s + 11, 2);
  const minute = digits(b, s + 14, 2);
  const second = digits(b, s + 17, 2);
  // Date.UTC reads years 0-99 as 1900-1999: those go to Date.parse.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  let ms = 0;
  if (len > 20) {
    // A fraction: '.', then 1-3 digits before the Z.
    const f = len - 21;
    if (b[s + 19] !== 46 || f < 1) return Number.NaN;
    const frac = digits(b, s + 20, f);
    if (frac < 0) return Number.NaN;
    ms = f === 1 ? frac * 100 : f === 2 ? frac * 10 : frac;
  } else if (len !== 20) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function digits(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = b[at + i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
