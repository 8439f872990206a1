import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors.js';
import type { DataFrame } from './dataframe.js';
import { createMlSession, type MlSession } from './session.js';
import { LOAN_CSV } from './testing/loan-data.js';
import { VectorAssembler } from './vector-assembler.js';

const SEED = fileURLToPath(new URL('../../../shared/seeds/001_17532ac63ef3885d.txt', import.meta.url));

/** The block of tutorial output that follows `marker` (from its first `+`/`root` line to `only showing ...`). */
function tutorialBlock(marker: string, start: RegExp, end: RegExp): string {
  const lines = readFileSync(SEED, 'utf8').split(/\r?\n/);
  const from = lines.findIndex((l) => l.includes(marker));
  const first = lines.findIndex((l, i) => i > from && start.test(l));
  const last = lines.findIndex((l, i) => i > first && end.test(l));
  return `${lines.slice(first, last + 1).join('\n')}\n`;
}

let spark: MlSession;
let data: DataFrame;

beforeAll(async () => {
  spark = await createMlSession();
  data = await spark.read.csv(LOAN_CSV, { header: true, inferSchema: true });
});
afterAll(() => spark.close());

describe('the seed tutorial, output for output', () => {
  it('read.csv with inferSchema prints the schema the tutorial shows', () => {
    expect(data.schemaString()).toBe(tutorialBlock('data.printSchema()', /^root$/, /Loan_Status/));
  });

  it('counts 614 rows, 592 with a LoanAmount', async () => {
    expect(await data.count()).toBe(614);
    expect(await (await data.filter('LoanAmount is not NULL')).count()).toBe(592);
  });

  it('assembles features and shows them exactly as Spark', async () => {
    const filtered = await data.filter('LoanAmount is not NULL');
    const output = await new VectorAssembler({ inputCols: ['ApplicantIncome', 'CoapplicantIncome'], outputCol: 'features' }).setHandleInvalid('skip').transform(filtered);
    const features = await output.select('features');
    expect(await features.showString()).toBe(tutorialBlock('output.select("features").show()', /^\+/, /^only showing/));
    const loanData = await output.select('features', 'LoanAmount');
    expect(await loanData.showString()).toBe(tutorialBlock('loan_data.show()', /^\+/, /^only showing/));
  });
});

describe('CSV schema inference', () => {
  it('infers integer, long, double, boolean and string like Spark, nulls for blanks', async () => {
    const path = fileURLToPath(new URL('./testing/infer.csv', import.meta.url));
    const df = await spark.read.csv(path, { header: true, inferSchema: true });
    // sp holds " 12": not an int for Integer.parseInt, a double for Double.parseDouble (it trims);
    // us/inf/hex/nan hold values DuckDB would parse as numbers but Java does not.
    expect(df.schema.map((f) => `${f.name}:${f.type}`)).toEqual([
      'i:integer', 'l:long', 'd:double', 'b:boolean', 's:string', 'mixed:string', 'e:string',
      'sp:double', 'us:string', 'inf:string', 'hex:string', 'nan:string', 'dn:double',
    ]);
    const rows = await df.collect();
    expect(rows[1]).toEqual({ i: null, l: 3000000000, d: 1.5e3, b: false, s: '3+', mixed: 'x', e: null, sp: 7, us: '5', inf: 'Infinity', hex: '1', nan: 'NaN', dn: 1.5 });
    expect(rows[0]!.dn).toBeNaN();
    expect(rows[2]!.dn).toBe(-Infinity);
    expect(rows.map((r) => r.d)).toEqual([1, 1500, 2.25]);
    expect(rows.map((r) => r.sp)).toEqual([12, 7, 8]);
    const noHeader = await spark.read.csv(path, { header: false, inferSchema: false });
    expect(noHeader.columns[0]).toBe('_c0');
    expect(noHeader.schema.every((f) => f.type === 'string')).toBe(true);
  });
});

describe('randomSplit', () => {
  it('is deterministic for a seed, disjoint and covering, with Bernoulli-varying sizes', async () => {
    const ids = async (df: DataFrame): Promise<string[]> => (await df.collect()).map((r) => String(r.Loan_ID));
    const [a, b] = await data.randomSplit([0.7, 0.3], 42);
    const [a2] = await data.randomSplit([7, 3], 42);
    const [a3] = await data.randomSplit([0.7, 0.3], 43);
    const ia = await ids(a!);
    const ib = await ids(b!);
    expect(ia).toEqual(await ids(a2!));
    expect(ia).not.toEqual(await ids(a3!));
    expect(new Set([...ia, ...ib]).size).toBe(614);
    expect(ia.length + ib.length).toBe(614);
    // Binomial(614, 0.7): mean 429.8, sd 11.4; a 5-sd band.
    expect(Math.abs(ia.length - 429.8)).toBeLessThan(57);
  });

  it('refuses bad weights', async () => {
    await expect(data.randomSplit([0.5], 1)).rejects.toThrow(/randomSplit weights/);
  });
});

describe('VectorAssembler handleInvalid', () => {
  let df: DataFrame;
  beforeAll(async () => {
    df = await spark.createDataFrame(
      [
        { a: 1, b: 2.5, y: 1 },
        { a: null, b: 1, y: 2 },
        { a: 3, b: NaN, y: 3 },
        { a: 4, b: 0, y: null },
      ],
      [
        { name: 'a', type: 'integer' },
        { name: 'b', type: 'double' },
        { name: 'y', type: 'double' },
      ],
    );
  });
  const assembler = new VectorAssembler({ inputCols: ['a', 'b'], outputCol: 'features' });

  it('error (default) names the column and the row', async () => {
    const err = await assembler.transform(df).catch((e: unknown) => e);
    expect(isSluiceError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/column "a" is null or NaN at row 2/);
  });
  it('skip drops rows with null or NaN inputs only', async () => {
    const out = await assembler.setHandleInvalid('skip').transform(df);
    expect((await out.collect()).map((r) => r.features)).toEqual([[1, 2.5], [4, 0]]);
  });
  it('keep puts NaN in the vector', async () => {
    const out = await assembler.setHandleInvalid('keep').transform(df);
    const f = (await out.collect()).map((r) => r.features as number[]);
    expect(f[1]![0]).toBeNaN();
    expect(f[2]![1]).toBeNaN();
    expect(f[0]).toEqual([1, 2.5]);
  });
  it('refuses empty inputCols and string inputs', async () => {
    expect(() => new VectorAssembler({ inputCols: [], outputCol: 'f' })).toThrow(/inputCols/);
    await expect(new VectorAssembler({ inputCols: ['Gender'], outputCol: 'f' }).transform(data)).rejects.toThrow(/is a string/);
  });
});
