/**
 * Splits one CSV record into fields (RFC 4180: quoted fields, doubled quotes, delimiters inside
 * quotes). One record is one line; a trailing CR/LF is ignored. Returns `undefined` for an
 * unterminated quote.
 */
export function splitCsvLine(line: string, delimiter = ','): string[] | undefined {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 13)) end--;
  if (line.indexOf('"') === -1) return line.slice(0, end).split(delimiter);
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < end) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
    } else if (ch === '"' && field.length === 0) {
      quoted = true;
      i++;
    } else if (line.startsWith(delimiter, i)) {
      out.push(field);
      field = '';
      i += delimiter.length;
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}
