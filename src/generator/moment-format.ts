/**
 * A moment.js-style date formatter, compiled once per format string.
 *
 * Supported tokens: YYYY YY MM M DD D HH H hh h mm m ss s SSS A a Z ZZ X x, and `[literal]`.
 * Letters moment reserves for tokens Sluice does not implement (`dddd`, `Do`, `Q`, ...) are
 * rejected rather than printed literally, so a format never silently renders wrong.
 */
export type DateZone = 'local' | 'utc';
export type DateFormatter = (epochMs: number) => string;

export const MOMENT_TOKENS = ['YYYY', 'YY', 'MM', 'M', 'DD', 'D', 'HH', 'H', 'hh', 'h', 'mm', 'm', 'ss', 's', 'SSS', 'A', 'a', 'Z', 'ZZ', 'X', 'x'] as const;

/** Letters that moment treats as (parts of) tokens. Any other letter is literal text, as in moment. */
const RESERVED = new Set('YMDdHhkmsSAaZXxQwWEegGNzo');

/** Thrown for a format this formatter cannot honour; the template compiler adds the position. */
export class DateFormatError extends Error {}

interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
  ms: number;
  offsetMinutes: number; // east of UTC
}

type Part = string | ((f: Fields, epochMs: number) => string);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function offset(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

const TOKEN_RENDERERS: Record<(typeof MOMENT_TOKENS)[number], (f: Fields, epochMs: number) => string> = {
  YYYY: (f) => pad(f.year, 4),
  YY: (f) => pad(f.year % 100),
  MM: (f) => pad(f.month),
  M: (f) => String(f.month),
  DD: (f) => pad(f.day),
  D: (f) => String(f.day),
  HH: (f) => pad(f.hours),
  H: (f) => String(f.hours),
  hh: (f) => pad(f.hours % 12 || 12),
  h: (f) => String(f.hours % 12 || 12),
  mm: (f) => pad(f.minutes),
  m: (f) => String(f.minutes),
  ss: (f) => pad(f.seconds),
  s: (f) => String(f.seconds),
  SSS: (f) => pad(f.ms, 3),
  A: (f) => (f.hours < 12 ? 'AM' : 'PM'),
  a: (f) => (f.hours < 12 ? 'am' : 'pm'),
  Z: (f) => offset(f.offsetMinutes, true),
  ZZ: (f) => offset(f.offsetMinutes, false),
  X: (_f, t) => String(Math.floor(t / 1000)),
  x: (_f, t) => String(t),
};

function fields(epochMs: number, zone: DateZone): Fields {
  const d = new Date(epochMs);
  if (zone === 'utc') {
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
      hours: d.getUTCHours(), minutes: d.getUTCMinutes(), seconds: d.getUTCSeconds(), ms: d.getUTCMilliseconds(),
      offsetMinutes: 0,
    };
  }
  return {
    year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(),
    hours: d.getHours(), minutes: d.getMinutes(), seconds: d.getSeconds(), ms: d.getMilliseconds(),
    offsetMinutes: -d.getTimezoneOffset(),
  };
}

/** moment's default format, used when `date.now` has no argument. */
export const DEFAULT_MOMENT_FORMAT = 'YYYY-MM-DDTHH:mm:ssZ';

/** Compiles `format`; throws {@link DateFormatError} naming an unsupported token. */
export function compileMomentFormat(format: string, zone: DateZone): DateFormatter {
  const parts: Part[] = [];
  const scanner = /\[([^\]]*)\]|([A-Za-z])\2*|[^A-Za-z[]+|\[/g;
  for (const m of format.matchAll(scanner)) {
    const text = m[0];
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined && RESERVED.has(m[2])) {
      const render = (TOKEN_RENDERERS as Record<string, Part | undefined>)[text];
      if (render === undefined) {
        throw new DateFormatError(
          `unsupported date token "${text}" in format ${JSON.stringify(format)}; supported tokens: ${MOMENT_TOKENS.join(' ')}; wrap literal text in [brackets]`,
        );
      }
      parts.push(render);
    } else parts.push(text);
  }
  return (epochMs) => {
    const f = fields(epochMs, zone);
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(f, epochMs);
    return out;
  };
}
