import { SluiceError } from '../errors.js';

/**
 * A row's time as epoch milliseconds: numbers are epoch seconds (< 1e11) or milliseconds;
 * text is ISO-like (`2013-12-02 21:15:00`, read as UTC when it has no zone).
 */
export function parseTime(text: string, where: string): number {
  const s = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const iso = s.replace(' ', 'T');
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(t)) {
    throw new SluiceError(
      `Invalid timestamp at ${where}: ${JSON.stringify(text)}. Fix: use ISO time ("2013-12-02 21:15:00") or epoch seconds/milliseconds.`,
      { domain: 'user', code: 'InvalidTimestamp' },
    );
  }
  return t;
}
