import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../core/source.js';
import { seededRandom } from '../../random.js';
import { Decoder } from './decoder.js';
import type { ColumnSpec, RecordFormat } from './schema.js';

/**
 * The byte decoders (csv-bytes.ts, json-bytes.ts) against the text decoder on random records,
 * well-formed and not: the same rows, the same dead letters with the same reasons, in the same order.
 */

/** Seeded (mulberry32), so a failure is reproducible from its seed. */
type Gen = ReturnType<typeof seededRandom>;
const pick = <T>(r: Gen, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const WORDS = ['Ada', 'Bartholomew', 'Cy', 'OK', 'WARN', 'Zoë', 'Ωmega', '東京', '🙂x', 'a b', ' lead', 'trail ', 'true', '0', '12', '-7', '3.25', 'NaN', 'inf', '[x]', '{y}', '', 'e-5', 'x\ty'];
const NUMBERS = ['0', '-0', '7', '+7', '-12', '2147483647', '2147483648', '-2147483648', '-2147483649', '9007199254740991', '99999999999999999', '1.5', '-0.25', '.5', '5.', '1e3', '1E-2', '0x10', '007', ' 42', '42 ', '1.2.3', '123456789012345.6', '1234567890', '1700000000000', '17000000000001', 'NaN', '-Infinity', 'inf'];
const STAMPS = ['2026-11-23T10:00:00Z', '2026-11-23 10:00:00Z', '2026-11-23T10:00:00.5Z', '2026-11-23T10:00:00.123Z', '2026-11-23T10:00:00.1234Z', '2026-02-29T00:00:00Z', '2024-02-29T23:59:59Z', '0050-01-01T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-23T24:00:00Z', '2026-11-23T10:00:00+02:00', '2026-11-23', 'yesterday', '1700000000', '1700000000000'];
const BOOLS = ['true', 'false', '1', '0', 'TRUE', 'False', 'yes', ''];

/** A clean field of the type (`odd` 0), or sometimes anything (wrong type, empty, odd spellings). */
function field(r: Gen, type: ColumnSpec['type'], odd: number): string {
  const x = r() + 1 - odd;
  if (x < 0.08) return pick(r, WORDS);
  if (x < 0.12) return '';
  switch (type) {
    case 'string':
      return odd ? pick(r, WORDS) + (r() < 0.2 ? pick(r, WORDS) : '') : pick(r, ['Ada', 'Zoë', '東京 ok', 'OK', 'x y']);
    case 'boolean':
      return odd ? pick(r, BOOLS) : pick(r, ['true', 'false', '0', '1']);
    case 'timestamp':
      return odd ? pick(r, STAMPS) : pick(r, STAMPS.slice(0, 4));
    default:
      return odd ? pick(r, NUMBERS) : pick(r, ['0', '7', '-12', '1234567890', '15']);
  }
}

const BAD_BYTES = [new Uint8Array([0xc3, 0x28]), new Uint8Array([0xff]), new Uint8Array([0xe6, 0x9d]), new Uint8Array([0xef, 0xbb, 0xbf])];

function mutate(r: Gen, bytes: Uint8Array): Uint8Array {
  const x = r();
  if (x < 0.04) return bytes.subarray(0, Math.floor(r() * bytes.length));
  if (x < 0.08) {
    const bad = pick(r, BAD_BYTES);
    const at = Math.floor(r() * (bytes.length + 1));
    return Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)]);
  }
  return bytes;
}

function csvRecord(r: Gen, cols: readonly ColumnSpec[], delimiter: string): Uint8Array {
  // Half the records are clean (the byte path's), half anything.
  const odd = r() < 0.5 ? 1 : 0;
  if (!odd) {
    // Clean, but some fields quoted: with quotes, delimiters and line breaks inside.
    const quote = (f: string) => `"${f.replaceAll('"', '""')}"`;
    const fields = cols.map((c) => {
      const f = c.type === 'string' && r() < 0.3 ? pick(r, ['say "hi"', `a${delimiter}b`, '""', 'Zoë "z"', 'two\r\nlines', '"']) : field(r, c.type, 0);
      return r() < 0.3 || f.includes('"') || f.includes(delimiter) ? quote(f) : f;
    });
    return Buffer.from(fields.join(delimiter) + (r() < 0.2 ? '\r\n' : ''));
  }
  const n = r() < 0.1 ? cols.length + pick(r, [-1, 1, -2, 3]) : cols.length;
  const parts: string[] = [];
  for (let i = 0; i < Math.max(0, n); i++) {
    let f = field(r, cols[i % cols.length]!.type, 1);
    const q = r();
    if (q < 0.06) f = `"${f.replaceAll('"', '""')}"`;
    else if (q < 0.08) f = `"${f}${delimiter}x"`;
    else if (q < 0.09) f = `"${f}`;
    else if (q < 0.1) f = `a"${f}`;
    else if (q < 0.12) f = `"${f}"x`;
    else if (q < 0.13) f = `"${f}""`;
    parts.push(f);
  }
  let text = parts.join(delimiter);
  const e = r();
  if (e < 0.08) text += '\r\n';
  else if (e < 0.12) text += '\n';
  else if (e < 0.14) text = `[${text}]`;
  else if (e < 0.16) text = JSON.stringify(Object.fromEntries(cols.map((c, i) => [c.name, parts[i] ?? null])));
  else if (e < 0.18) text = ` ${text}`;
  return mutate(r, Buffer.from(text));
}

/** Nested values, valid and not, for keys the schema does not declare (and some that it does). */
const NESTED = ['[1,]', '{"a" 1}', '[01]', '{"a":[1,2,{"b":"\\u00e9"}]}', '["\\x"]', '{"a":"\\u12G4"}', '[1 2]', '{"a":1,}', '[[[[]]]]', '{"k":{"k":{"k":"Zoë"}}}', '[true, false, null, -1.5e3, "x\\"y"]', '[{}]', '{"a":[}', '[', '[5]', '{"n":7}', '["\\ud800"]', '[' + '['.repeat(40) + ']'.repeat(41)];

function jsonValue(r: Gen, type: ColumnSpec['type'], odd: number): string {
  const x = r() + 1 - odd;
  if (x < 0.05) return 'null';
  if (x < 0.1) return pick(r, [...NESTED, 'true', 'false', '[1,2]', '{"a":1}', '"\\u0041bc"', '"a\\"b"', '01', '-', '1.', '.5', '+1', 'NaN', '1e400', '-0', '2.5e-3', 'tru', '"raw\ttab"', '"raw\u0001"', '"\\ud800"', '"bad\\q"', '"\\u12"', '"Zo\\u00e9 ë"', '"end\\"']);
  if (x < 0.18) return JSON.stringify(pick(r, WORDS));
  if (!odd) return pick(r, { string: ['"Ada"', '"Zoë"', '"東京"', '""', '"a\\/b"', '"\\u00e9t\\u00E9"', '"\\ud83d\\ude00!"', '"tab\\there\\"q\\\\"'], int: ['0', '-7', '2147483647', '12'], long: ['-0', '9007199254740991', '5'], double: ['1.5', '-0.25', '3', '1e3', '123456789.125'], boolean: ['true', 'false'], timestamp: ['1700000000', '1700000000000', '"2026-11-23T10:00:00.5Z"', '"2026-11-23 10:00:00Z"'] }[type]);
  switch (type) {
    case 'string':
      return JSON.stringify(pick(r, WORDS));
    case 'boolean':
      return pick(r, ['true', 'false']);
    case 'timestamp':
      return r() < 0.6 ? JSON.stringify(pick(r, STAMPS)) : pick(r, ['1700000000', '1700000000000', '1.5', '-5']);
    default:
      return pick(r, NUMBERS.filter((s) => /^-?\d/.test(s)).concat(['1e3', '2.5']));
  }
}

function jsonRecord(r: Gen, cols: readonly ColumnSpec[]): Uint8Array {
  const entries: string[] = [];
  // Half the records are clean (the byte path's), half anything.
  const odd = r() < 0.5 ? 1 : 0;
  if (!odd) return Buffer.from(`{${cols.map((c) => `"${c.name}": ${jsonValue(r, c.type, 0)}`).join(', ')}${r() < 0.3 ? `, "extra": "x", "nested": ${pick(r, ['{"a": [1, {"b": "c\\n"}]}', '[]', '[1.5e3, true, null]'])}` : ''}}`);
  const sp = () => (r() < 0.1 ? pick(r, [' ', '\n', '\t', '\r\n ']) : '');
  for (const c of cols) {
    if (r() < 0.08) continue;
    entries.push(`${sp()}"${c.name}"${sp()}:${sp()}${jsonValue(r, c.type, 1)}${sp()}`);
    if (r() < 0.05) entries.push(`"${c.name}":${jsonValue(r, c.type, 1)}`);
  }
  if (r() < 0.3) entries.splice(Math.floor(r() * (entries.length + 1)), 0, `"extra":${pick(r, ['1', '"x"', '"Zoë"', '[1,{"a":2}]', '{"b":[]}', 'null', '"a\\nb"', 'true', ...NESTED])}`);
  if (r() < 0.05) entries.push(`"${pick(r, ['Id', 'i\\u0064', 'naïve'])}":1`);
  let text = `${sp()}{${entries.sort(() => r() - 0.5).join(',')}}${sp()}`;
  const e = r();
  if (e < 0.03) text = text.replace('{', '[');
  else if (e < 0.06) text += ',';
  else if (e < 0.08) text = text.replace(/,/, ',,');
  else if (e < 0.1) text = '"just a string"';
  else if (e < 0.12) text = text.replace(/:/, '');
  return mutate(r, Buffer.from(text));
}

let seq = 0;
function records(datas: Uint8Array[]): SourceRecord[] {
  return datas.map((data) => ({ shardId: `shardId-00000000000${seq % 3}`, sequenceNumber: String(4900 + seq++), partitionKey: 'pk', arrivalMs: 1_700_000_000_000 + seq, data }));
}

/** A decoder that counts the records its text path takes. */
function counting(format: RecordFormat): { decoder: Decoder; textPath: () => number } {
  const decoder = new Decoder(format);
  const inner = decoder as unknown as { decodeOne: (...a: unknown[]) => unknown };
  const decodeOne = inner.decodeOne.bind(decoder);
  let calls = 0;
  inner.decodeOne = (...a: unknown[]) => {
    calls++;
    return decodeOne(...a);
  };
  return { decoder, textPath: () => calls };
}

function same(format: RecordFormat, datas: Uint8Array[]): void {
  const recs = records(datas);
  const { decoder, textPath } = counting(format);
  const fast = decoder.decode(recs);
  const text = new Decoder(format, { bytes: false }).decode(recs);
  // Both sides are exercised: most records on the byte path, and a good share of dead letters.
  expect(textPath()).toBeLessThan(recs.length * 0.75);
  expect(text.deadLetters.length).toBeGreaterThan(recs.length * 0.1);
  expect(fast.deadLetters).toEqual(text.deadLetters);
  expect(fast.batch.length).toBe(text.batch.length);
  for (let k = 0; k < text.batch.length; k++) {
    const a = fast.batch.row(k);
    const b = text.batch.row(k);
    for (const key of Object.keys(b)) expect([key, a[key]], `record ${k}: ${Buffer.from(recs[k]!.data).toString()}`).toEqual([key, b[key]]);
  }
}

const SCHEMAS: readonly ColumnSpec[][] = [
  [
    { name: 'id', type: 'string' },
    { name: 'currentTemp', type: 'int' },
    { name: 'status', type: 'string' },
  ],
  [
    { name: 'id', type: 'string', nullable: true },
    { name: 'n', type: 'long' },
    { name: 'x', type: 'double', nullable: true },
    { name: 'ok', type: 'boolean' },
    { name: 'ts', type: 'timestamp', nullable: true },
  ],
  [
    { name: 'ts', type: 'timestamp' },
    { name: 'v', type: 'double' },
    { name: 'i', type: 'int', nullable: true },
    { name: 'flag', type: 'boolean', nullable: true },
  ],
];

describe('byte decoders agree with the text decoder', () => {
  it.each(SCHEMAS.flatMap((cols, s) => [',', '\t', ';'].map((d) => [s, d] as const)))('CSV, schema %i, delimiter %j: 3,000 random records', (s, delimiter) => {
    const cols = SCHEMAS[s]!;
    const r = seededRandom(1000 * s + delimiter.charCodeAt(0));
    same({ kind: 'csv', columns: cols, delimiter }, Array.from({ length: 3000 }, () => csvRecord(r, cols, delimiter)));
  });

  it.each(SCHEMAS.map((_, s) => s))('JSON, schema %i: 3,000 random records', (s) => {
    const cols = SCHEMAS[s]!;
    const r = seededRandom(7 + s);
    same({ kind: 'json', columns: cols }, Array.from({ length: 3000 }, () => jsonRecord(r, cols)));
  });

  it('takes the common records on the byte path (the comparison above is not all fallbacks)', () => {
    const cols = SCHEMAS[1]!;
    const recs = records([Buffer.from('Zoë,12,1.5,true,2026-11-23T10:00:00.5Z'), Buffer.from('Ada,-3,,0,1700000000\r\n')]);
    const { decoder: d, textPath } = counting({ kind: 'csv', columns: cols });
    const { batch, deadLetters } = d.decode(recs);
    expect(deadLetters).toEqual([]);
    // The second has an empty nullable double: the text decoder's.
    expect(textPath()).toBe(1);
    expect(batch.row(0)).toMatchObject({ id: 'Zoë', n: 12, x: 1.5, ok: true, ts: new Date('2026-11-23T10:00:00.5Z') });
    expect(batch.row(1)).toMatchObject({ id: 'Ada', n: -3, x: null, ok: false, ts: new Date(1_700_000_000_000) });
  });
});
