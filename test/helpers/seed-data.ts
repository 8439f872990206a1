/** Deterministic seed-scenario records: `name,temp,status`, with known malformed ones mixed in. */
export interface SeedRecord {
  text: string | Uint8Array;
  valid: boolean;
  temp?: number;
  /** What the dead-letter reason must mention for a malformed record. */
  reasonIncludes?: string;
}

const NAMES = ['Ada', 'Bob', 'Cy', 'Dee', 'Eve'];
const STATUS = ['OK', 'FAIL', 'WARN'];

export function seedRecords(n: number, offset = 0): SeedRecord[] {
  const out: SeedRecord[] = [];
  for (let i = offset; i < offset + n; i++) {
    // Names repeat on purpose: two sensors named "Ada" must both land in data_dump.
    const temp = 10 + ((i * 37) % 541);
    out.push({ text: `${NAMES[i % NAMES.length]},${temp},${STATUS[i % 3]}`, valid: true, temp });
  }
  return out;
}

export const MALFORMED: SeedRecord[] = [
  { text: '', valid: false, reasonIncludes: 'empty' },
  { text: 'bob,abc,OK', valid: false, reasonIncludes: 'currentTemp' },
  { text: 'alice,120', valid: false, reasonIncludes: 'expected 3' },
  { text: 'carl,99,OK,extra', valid: false, reasonIncludes: 'expected 3' },
  { text: new Uint8Array([0xc3, 0x28, 0xff, 0xfe, 0x00, 0x81]), valid: false, reasonIncludes: 'UTF-8' },
  { text: `dora,${'9'.repeat(300_000)},OK`, valid: false, reasonIncludes: 'maxRecordBytes' },
  { text: 'ed,12.5,OK', valid: false, reasonIncludes: 'not an integer' },
];

export function encode(r: SeedRecord): Uint8Array {
  return typeof r.text === 'string' ? Buffer.from(r.text) : r.text;
}
