import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { compileTemplate, normaliseQuotes, templateFunctions } from './template.js';

const SEED_TEMPLATE = '{{name.firstName}},{{random.number({"min":10, "max":550})}},{{random.arrayElement(["OK","FAIL","WARN"])}}';

function compileError(source: string, name?: string): SluiceError {
  try {
    compileTemplate(source, name === undefined ? {} : { name });
  } catch (error) {
    expect(error).toBeInstanceOf(SluiceError);
    return error as SluiceError;
  }
  throw new Error(`expected ${source} to be rejected`);
}

describe('compileTemplate', () => {
  it('renders the seed template as name,int in [10,550],status', () => {
    const t = compileTemplate(SEED_TEMPLATE, { seed: 7 });
    const statuses = new Set<string>();
    const numbers: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const line = t.render();
      const m = /^([A-Za-z' -]+),(\d+),(OK|FAIL|WARN)$/.exec(line);
      expect(m, line).not.toBeNull();
      const n = Number(m![2]);
      expect(n).toBeGreaterThanOrEqual(10);
      expect(n).toBeLessThanOrEqual(550);
      numbers.push(n);
      statuses.add(m![3]!);
    }
    expect(statuses).toEqual(new Set(['OK', 'FAIL', 'WARN']));
    // bounds are inclusive and the range is actually used, not one value
    expect(Math.min(...numbers)).toBeLessThan(30);
    expect(Math.max(...numbers)).toBeGreaterThan(530);
    expect(t.placeholders.map((p) => p.name)).toEqual(['name.firstName', 'random.number', 'random.arrayElement']);
  });

  it('is reproducible with a seed and differs across seeds', () => {
    const a = compileTemplate(SEED_TEMPLATE, { seed: 42 });
    const b = compileTemplate(SEED_TEMPLATE, { seed: 42 });
    const c = compileTemplate(SEED_TEMPLATE, { seed: 43 });
    const run = (t: typeof a) => Array.from({ length: 50 }, () => t.render());
    const ra = run(a);
    expect(run(b)).toEqual(ra);
    expect(run(c)).not.toEqual(ra);
  });

  it('accepts typographic quotes in arguments', () => {
    const t = compileTemplate('{{random.number({\u201cmin\u201d:10, \u201cmax\u201d:550})}}|{{random.arrayElement([\u2018a\u2019])}}', { seed: 1 });
    const [n, s] = t.render().split('|');
    expect(Number(n)).toBeGreaterThanOrEqual(10);
    expect(Number(n)).toBeLessThanOrEqual(550);
    expect(s).toBe('a');
    expect(normaliseQuotes('\u201cx\u201d \u2018y\u2019')).toBe('"x" \'y\'');
  });

  it('takes random.number(max), precision and unquoted keys', () => {
    const t = compileTemplate('{{random.number(3)}};{{random.number({min: 1, max: 2, precision: 0.01})}};{{datatype.number({"min":10,"max":20,"precision":5})}}', { seed: 3 });
    for (let i = 0; i < 300; i++) {
      const [a, b, c] = t.render().split(';').map(Number);
      expect([0, 1, 2, 3]).toContain(a);
      expect(b).toBeGreaterThanOrEqual(1);
      expect(b).toBeLessThanOrEqual(2);
      expect(Math.round(b! * 100) / 100).toBe(b);
      expect([10, 15, 20]).toContain(c);
    }
  });

  it('handles placeholders whose JSON argument ends in braces, and keeps literal text', () => {
    const t = compileTemplate('{"v":{{random.number({"min":5,"max":5})}}}\n{{random.arrayElement(["}}"])}}!', { seed: 1 });
    expect(t.render()).toBe('{"v":5}\n}}!');
    expect(t.renderRecord()).toEqual({ text: '{"v":5}\n}}!', values: ['5', '}}'] });
  });

  it('formats date.now and date.utc with moment tokens against a fixed clock', () => {
    const at = Date.UTC(2024, 1, 9, 15, 4, 5, 7); // 2024-02-09T15:04:05.007Z
    const utc = compileTemplate('{{date.utc("YYYY-MM-DD HH:mm:ss")}}|{{date.utc("YY M D H h hh m s SSS A a Z ZZ X x [YYYY at] T")}}', { now: () => at });
    expect(utc.render()).toBe('2024-02-09 15:04:05|24 2 9 15 3 03 4 5 007 PM pm +00:00 +0000 1707491045 1707491045007 YYYY at T');
    const midnight = compileTemplate('{{date.utc("h:mm A")}}', { now: () => Date.UTC(2024, 0, 1, 0, 30) });
    expect(midnight.render()).toBe('12:30 AM');

    const local = compileTemplate('{{date.now("YYYY-MM-DD HH:mm:ss Z")}}', { now: () => at }).render();
    const d = new Date(at);
    const p = (n: number) => String(n).padStart(2, '0');
    const off = -d.getTimezoneOffset();
    const zone = `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
    expect(local).toBe(`${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`);
  });

  it('reads the clock on every render', () => {
    let now = 0;
    const t = compileTemplate('{{date.utc("x")}}', { now: () => now });
    now = 1000;
    expect(t.render()).toBe('1000');
    now = 2500;
    expect(t.render()).toBe('2500');
  });

  it('renders every supported function with no or default arguments', () => {
    const needArgs: Record<string, string> = {
      'random.arrayElement': '(["a"])',
      'random.weightedArrayElement': '({"weights":[1],"data":["w"]})',
      'date.between': '("2020-01-01","2020-02-01")',
      'helpers.randomize': '(["a"])',
      'helpers.shuffle': '(["a"])',
      'helpers.slugify': '("Hello World")',
      'helpers.replaceSymbolWithNumber': '("##")',
      'helpers.replaceSymbols': '("??")',
    };
    for (const { name } of templateFunctions()) {
      const t = compileTemplate(`{{${name}${needArgs[name] ?? ''}}}`, { seed: 1, now: () => 0 });
      expect(t.render(), name).not.toBe('');
    }
  });

  it('names the template, the placeholder, its position and the nearest names for an unknown function', () => {
    const e = compileError('id,{{random.number(5)}}\n  {{name.frstName}}', 'template 2 (a.tpl)');
    expect(e.domain).toBe('user');
    expect(e.code).toBe('InvalidTemplate');
    expect(e.message).toBe(
      'Invalid template 2 (a.tpl) at line 2, column 3: placeholder "{{name.frstName}}": unknown function "name.frstName". Fix: did you mean name.firstName, name.lastName, name.findName? (docs/generator.md lists every function)',
    );
    // a right method in the wrong namespace still finds its home
    expect(compileError('{{address.firstName}}').message).toContain('did you mean name.firstName');
    expect(compileError('{{random.numbr(5)}}').message).toContain('did you mean random.number');
  });

  it('quotes an unclosed placeholder as written, without inventing the braces it lacks', () => {
    const e = compileError('{\n  "id": {{random.uuid,\n  "n": 1\n}');
    expect(e.message).toBe('Invalid template at line 2, column 9: placeholder "{{random.uuid,": the placeholder is never closed. Fix: end it with "}}", e.g. {{name.firstName}}');
  });

  it('rejects bad arguments with the expected shape', () => {
    expect(compileError('{{random.number({"min":5,"max":1})}}').message).toMatch(/min \(5\) must not exceed max \(1\).*Fix: call it as random\.number/);
    expect(compileError('{{random.number({"lo":1})}}').message).toContain('unknown key "lo"');
    expect(compileError('{{random.arrayElement([])}}').message).toContain('non-empty JSON array');
    expect(compileError('{{random.arrayElement(["a",)}}').message).toContain('not valid JSON');
    expect(compileError('{{name.firstName(1)}}').message).toContain('takes no arguments');
    expect(compileError('{{date.between("2024-02-01","2024-01-01")}}').message).toContain('the first not after the second');
    expect(compileError('x {{random.uuid').message).toContain('never closed');
    expect(compileError('{{ 1 + 2 }}').message).toContain('not a function call');
  });
});
