import moment from 'moment';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTemplate } from './template.js';

/**
 * date.now / date.utc / date.simTime against moment itself, the library KDG formats with: every
 * moment token alone and in KDG-style combinations, over instants spread across two centuries,
 * in a time zone with daylight saving (so local and UTC differ and offsets change).
 */
const TOKENS = [
  'M', 'Mo', 'MM', 'MMM', 'MMMM', 'Q', 'Qo', 'D', 'Do', 'DD', 'DDD', 'DDDo', 'DDDD', 'd', 'do', 'dd', 'ddd', 'dddd', 'e', 'E',
  'w', 'wo', 'ww', 'W', 'Wo', 'WW', 'YY', 'YYYY', 'YYYYYY', 'Y', 'y', 'N', 'NN', 'NNN', 'NNNN', 'NNNNN', 'gg', 'gggg', 'GG', 'GGGG',
  'A', 'a', 'H', 'HH', 'h', 'hh', 'k', 'kk', 'm', 'mm', 's', 'ss',
  'S', 'SS', 'SSS', 'SSSS', 'SSSSS', 'SSSSSS', 'SSSSSSS', 'SSSSSSSS', 'SSSSSSSSS',
  'z', 'zz', 'Z', 'ZZ', 'X', 'x', 'LT', 'LTS', 'L', 'l', 'LL', 'll', 'LLL', 'lll', 'LLLL', 'llll',
];
const FORMATS = [
  ...TOKENS,
  'dddd, MMMM Do YYYY, h:mm:ss a',
  'ddd, hA',
  'DD/MMM/YYYY:HH:mm:ss Z',
  'YYYY-MM-DDTHH:mm:ss.SSSSSS',
  'YYYY-MM-DD hh:mm:ss',
  'YYYY-MM-DDTHH:mm:ss.SSSZ',
  '[Today is] dddd [the] Do [of] MMMM',
  '[escaped [brackets]] YYYY [unclosed',
  'Quarter Q, week W of GGGG',
  'LT [on] L',
  'x X',
  'unix: X; ms: x; frac: S/SS/SSSS',
  'T is literal, so is this: ~!@#$%^&*()_+',
  '',
];
/** A small deterministic spread of instants: 1901-2099, with the edges that trip formatters. */
function instants(): number[] {
  const out = [
    Date.UTC(2010, 1, 14, 15, 25, 50, 125), // KDG's help-page instant
    Date.UTC(2024, 1, 29, 0, 0, 0, 0), // leap day, midnight
    Date.UTC(2020, 11, 31, 23, 59, 59, 999), // ISO week 53
    Date.UTC(2021, 0, 3, 12, 0, 0, 1), // week-year differs from year
    Date.UTC(2024, 2, 10, 8, 30, 0, 0), // a US daylight-saving change
    Date.UTC(1969, 11, 31, 23, 59, 59, 500), // before the epoch
    0,
  ];
  let x = 123456789;
  for (let i = 0; i < 40; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(Math.floor(Date.UTC(1901, 0, 1) + (x / 2147483648) * (Date.UTC(2099, 11, 31) - Date.UTC(1901, 0, 1))));
  }
  return out;
}

const render = (fn: string, format: string | undefined, at: number): string =>
  compileTemplate(`{{${fn}${format === undefined ? '' : `(${JSON.stringify(format)})`}}}`, { now: () => at }).render();

describe('date formats against moment', () => {
  const savedTz = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'America/Chicago';
  });
  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('runs in a zone where local time differs from UTC', () => {
    expect(new Date(Date.UTC(2024, 0, 1)).getTimezoneOffset()).toBe(360);
  });

  it('date.now renders every token and combination as moment(t).format(f) does', () => {
    const diffs: string[] = [];
    for (const at of instants()) {
      for (const f of FORMATS) {
        const want = moment(at).format(f);
        const got = render('date.now', f, at);
        if (got !== want) diffs.push(`${new Date(at).toISOString()} ${JSON.stringify(f)}: ${got} != ${want}`);
      }
    }
    expect(diffs).toEqual([]);
  });

  it('date.utc renders as moment(t).utc().format(f), and date.simTime as date.now', () => {
    const diffs: string[] = [];
    for (const at of instants()) {
      for (const f of FORMATS) {
        const want = moment(at).utc().format(f);
        const got = render('date.utc', f, at);
        if (got !== want) diffs.push(`utc ${new Date(at).toISOString()} ${JSON.stringify(f)}: ${got} != ${want}`);
        const sim = render('date.simTime', f, at);
        if (sim !== moment(at).format(f)) diffs.push(`simTime ${JSON.stringify(f)}: ${sim}`);
      }
    }
    expect(diffs).toEqual([]);
  });

  it('without a format uses moment defaults, and {{current.timestamp}} is date.now', () => {
    const at = Date.UTC(2009, 6, 15, 3, 12, 22, 0);
    expect(render('date.now', undefined, at)).toBe(moment(at).format());
    expect(render('date.now', undefined, at)).toBe('2009-07-14T22:12:22-05:00');
    expect(render('date.utc', undefined, at)).toBe('2009-07-15T03:12:22Z');
    expect(render('current.timestamp', undefined, at)).toBe('2009-07-14T22:12:22-05:00');
  });

  it("renders KDG's help-page examples as the help page says (checked by hand, not by moment)", () => {
    const at = Date.UTC(2010, 1, 14, 21, 25, 50, 125); // 3:25:50 pm in Chicago
    expect(render('date.now', 'dddd, MMMM Do YYYY, h:mm:ss a', at)).toBe('Sunday, February 14th 2010, 3:25:50 pm');
    expect(render('date.now', 'ddd, hA', at)).toBe('Sun, 3PM');
    expect(render('date.now', 'DD/MMM/YYYY:HH:mm:ss Z', at)).toBe('14/Feb/2010:15:25:50 -06:00');
    expect(render('date.utc', 'DD/MMM/YYYY:HH:mm:ss Z', at)).toBe('14/Feb/2010:21:25:50 +00:00');
    expect(render('date.utc', 'YYYY-MM-DDTHH:mm:ss.SSSSSS', at)).toBe('2010-02-14T21:25:50.125000');
    expect(render('date.now', 'L', at)).toBe('02/14/2010');
    expect(render('date.now', 'LT', at)).toBe('3:25 PM');
    expect(render('date.now', 'LLLL', at)).toBe('Sunday, February 14, 2010 3:25 PM');
    expect(render('date.utc', 'Do Q X x [Q]', at)).toBe('14th 1 1266182750 1266182750125 Q');
  });

  it('accepts an unquoted format as KDG does (its argument falls back to the raw text)', () => {
    const at = Date.UTC(2024, 4, 6, 7, 8, 9);
    expect(compileTemplate('{{date.utc(YYYY-MM-DD HH:mm)}}', { now: () => at }).render()).toBe('2024-05-06 07:08');
  });
});
