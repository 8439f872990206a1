import { describeValue } from '../../errors.js';

/**
 * A JSON array or object sent to a CSV pipeline splits on its commas into the right number of
 * fields (`["g5", 50, "OK"]` gave `id = ["g5"`), so the field count cannot catch it. Returns the
 * reason to refuse such a record, or undefined when the text is not JSON (a CSV field may begin
 * with `[` or `{` and still be plain text).
 */
export function jsonInCsv(text: string): string | undefined {
  // Most CSV lines start with neither bracket nor white space: answer without trimming (hot path).
  const c = text.charCodeAt(0);
  if (c !== 91 && c !== 123 && c !== 32 && c !== 9 && c !== 10 && c !== 13) return undefined;
  const t = text.trim();
  if (!((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}')))) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return undefined;
  }
  const kind = Array.isArray(parsed) ? 'array' : 'object';
  return `record is a JSON ${kind}, not a CSV line: ${describeValue(text)}; fix: send comma-separated fields, or declare format.kind: json for JSON records`;
}
