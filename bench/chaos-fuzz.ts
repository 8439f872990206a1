/**
 * Records a producer can get wrong, for a CSV `(id string, currentTemp int, status string)`
 * pipeline, plus a few unusual ones that are valid. The chaos suite checks that each lands in
 * exactly one place: data_dump if it decodes, the dead-letter table (with a reason) if not.
 */
export const FUZZ_KINDS = [
  'valid',
  'not-a-number',
  'empty',
  'binary',
  'missing-column',
  'extra-column',
  'oversized',
  'json-array',
  'json-object',
  'unterminated-quote',
  'float-temp',
  'int32-overflow',
  'exponent-temp',
  'hex-temp',
  'whitespace-only',
  'empty-fields',
  'two-lines',
  'null-bytes',
  'utf8-bom',
  'emoji-id',
  'sql-injection-id',
  'fullwidth-digits',
  'semicolon-delimited',
  'crlf-ending',
] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

export function fuzzRecord(kind: FuzzKind, n: number): Uint8Array {
  const b = (s: string) => Buffer.from(s);
  switch (kind) {
    case 'valid':
      return b(`z${n},${10 + (n % 500)},OK`);
    case 'not-a-number':
      return b(`z${n},abc,OK`);
    case 'empty':
      return new Uint8Array(0);
    case 'binary':
      return Buffer.from([0x80, 0xc0, 0xaf, 0xff, 0xfe, n & 0xff, 0x9f]);
    case 'missing-column':
      return b(`z${n},120`);
    case 'extra-column':
      return b(`z${n},99,OK,extra`);
    case 'oversized':
      return b(`z${n},${'9'.repeat(300_000)},OK`);
    case 'json-array':
      return b(`["z${n}", 50, "OK"]`);
    case 'json-object':
      return b(`{"id":"z${n}","currentTemp":50,"status":"OK"}`);
    case 'unterminated-quote':
      return b(`"z${n},50,OK`);
    case 'float-temp':
      return b(`z${n},12.5,OK`);
    case 'int32-overflow':
      return b(`z${n},99999999999,OK`);
    case 'exponent-temp':
      return b(`z${n},1e3,OK`);
    case 'hex-temp':
      return b(`z${n},0x10,OK`);
    case 'whitespace-only':
      return b('   \t  ');
    case 'empty-fields':
      return b(',,');
    case 'two-lines':
      return b(`z${n},1,OK\nz${n}b,2,OK`);
    case 'null-bytes':
      return b(`z${n}\u0000,5\u0000,OK`);
    case 'utf8-bom':
      return b(`\uFEFFz${n},42,OK`);
    case 'emoji-id':
      return b(`z${n}🔥,42,WARN`);
    case 'sql-injection-id':
      return b(`z${n}'); DROP VIEW hot_sensors; --,42,FAIL`);
    case 'fullwidth-digits':
      return b(`z${n},１２,OK`);
    case 'semicolon-delimited':
      return b(`z${n};42;OK`);
    case 'crlf-ending':
      return b(`z${n},42,OK\r\n`);
  }
}
