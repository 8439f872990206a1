import moment from 'moment';

/**
 * `date.now` / `date.utc` / `date.simTime` formatting, by moment.js itself.
 *
 * The Kinesis Data Generator renders these placeholders with `moment().format(fmt)` and
 * `moment().utc().format(fmt)`. Any other formatter (dayjs, date-fns, luxon, a hand-written one)
 * differs from moment somewhere: token sets (`Do`, `Q`, `k`, `N`, `gggg`...), localized formats
 * (`L`, `LT`, `LLLL`), fractional seconds wider than three digits, the default formats. Calling
 * moment is the only way to render *every* format string exactly as KDG does.
 */
export type DateZone = 'local' | 'utc';
export type DateFormatter = (epochMs: number) => string;

/** moment's default format for `date.now` without an argument (`moment().format()`). */
export const DEFAULT_LOCAL_FORMAT = 'YYYY-MM-DDTHH:mm:ssZ';
/** moment's default format for `date.utc` without an argument (`moment().utc().format()`). */
export const DEFAULT_UTC_FORMAT = 'YYYY-MM-DDTHH:mm:ss[Z]';

/**
 * A formatter for `format` (moment syntax; `undefined` is moment's default) in local time or UTC.
 * Every string is a valid moment format: letters that are not tokens print as themselves.
 */
export function dateFormatter(format: string | undefined, zone: DateZone): DateFormatter {
  // moment's global locale is its built-in 'en' (Sluice never changes it), as in KDG's page.
  const render = zone === 'utc' ? (t: number) => moment.utc(t).format(format) : (t: number) => moment(t).format(format);
  // Records rendered within the same millisecond (dozens at a time in real-time batches) reuse the
  // string: moment's format is most of a dated record's cost.
  let lastT = NaN;
  let last = '';
  return (t) => (t === lastT ? last : ((lastT = t), (last = render(t))));
}
