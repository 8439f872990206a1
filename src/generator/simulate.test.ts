import { describe, expect, it } from 'vitest';
import type { ProducerRecord, SendResult } from '../kinesis/producer.js';
import { generate } from './generate.js';
import { parsePeriodicCurve } from './periodic-curve.js';
import { parseRate } from './rate-plan.js';
import { compileTemplateSet, splitTemplateFile } from './template-set.js';

const dec = new TextDecoder();

/** Keeps what it is given and accepts it all: a stand-in for the producer where the stream is not the subject. */
function memorySink() {
  const got: string[] = [];
  return {
    got,
    async send(records: readonly ProducerRecord[]): Promise<SendResult> {
      for (const r of records) got.push(dec.decode(r.data));
      return { outcomes: records.map((_, i) => ({ status: 'ok', shardId: 's', sequenceNumber: String(i), attempts: 1 }) as const), sent: records.length, failed: 0, retried: 0 };
    },
  };
}

describe('simulated time', () => {
  it('stamps every date.now inside [start, end), at the rate, without waiting for the wall clock', async () => {
    const sink = memorySink();
    const startMs = Date.UTC(2024, 4, 1, 22, 0, 0);
    const endMs = startMs + 2 * 3_600_000; // two hours, across midnight
    // Waiting for the wall clock would take two hours; the test's timeout catches that, no wall-clock bound here.
    const summary = await generate({ template: '{{date.now("x")}},{{date.utc("YYYY-MM-DD HH:mm:ss.SSS")}},{{date.simTime("X")}}', rate: 3, simulate: { startMs, endMs }, seed: 1, producer: sink });
    expect(summary).toMatchObject({ generated: 7200 * 3, sent: 7200 * 3, failed: 0, simulatedTime: endMs });
    let last = 0;
    for (const line of sink.got) {
      const [ms, utc, secs] = line.trimEnd().split(',');
      const at = Number(ms);
      expect(at).toBeGreaterThanOrEqual(startMs);
      expect(at).toBeLessThan(endMs);
      expect(at).toBeGreaterThanOrEqual(last); // the simulated clock only moves forward
      last = at;
      expect(Date.parse(`${utc!.replace(' ', 'T')}Z`)).toBe(at);
      expect(Number(secs)).toBe(Math.floor(at / 1000));
    }
  });

  it('stops at count inside the simulation, and refuses an end before the start', async () => {
    const sink = memorySink();
    const s = await generate({ template: '{{random.uuid}}', rate: 100, count: 250, simulate: { startMs: 0, endMs: 3_600_000 }, producer: sink });
    expect(s.generated).toBe(250);
    expect(sink.got).toHaveLength(250);
    const d = await generate({ template: '{{date.utc("X")}}', rate: 5, durationMs: 10_000, simulate: { startMs: 0, endMs: 3_600_000 }, producer: memorySink() });
    expect(d).toMatchObject({ generated: 50, simulatedTime: 10_000 }); // a duration ends the simulation, in simulated time
    await expect(generate({ template: 'x', rate: 1, simulate: { startMs: 10, endMs: 5 }, producer: sink })).rejects.toThrowError(/Fix: give a start instant before the end instant/);
  });

  it('follows a periodic curve: produced counts per simulated hour match mu x 3600 within 2%', async () => {
    const mu = [2, 5, 1, 8, 3, 6];
    const curve = parsePeriodicCurve({ mu: [...mu, ...Array.from({ length: 18 }, () => 1)], sigma: [1, 2, 0.5, 3, 1, 2, ...Array.from({ length: 18 }, () => 0)], zone: 'utc' });
    const sink = memorySink();
    const startMs = Date.UTC(2024, 0, 3); // a Wednesday, 00:00 UTC
    await generate({ template: '{{date.utc("H")}}', rate: { kind: 'periodic', curve }, simulate: { startMs, endMs: startMs + 6 * 3_600_000 }, seed: 11, producer: sink });
    const perHour = new Array(6).fill(0) as number[];
    for (const line of sink.got) perHour[Number(line.trim())]! += 1;
    perHour.forEach((n, h) => {
      const want = mu[h]! * 3600;
      expect(Math.abs(n - want) / want, `hour ${h}: ${n} vs ${want}`).toBeLessThan(0.02);
    });
  });

  it('smooths a periodic curve between hours (the half-hour lies halfway)', async () => {
    const curve = parsePeriodicCurve({ mu: [0, 10, ...Array.from({ length: 22 }, () => 0)], smoothing: true, zone: 'utc' });
    const sink = memorySink();
    const startMs = Date.UTC(2024, 0, 3);
    await generate({ template: '{{date.utc("H:mm")}}', rate: { kind: 'periodic', curve }, simulate: { startMs, endMs: startMs + 2 * 3_600_000 }, producer: sink });
    const count = (hm: string) => sink.got.filter((l) => l.trim() === hm).length;
    expect(count('0:00')).toBeLessThan(30); // ramps up from 0 ...
    expect(Math.abs(count('0:30') - 300)).toBeLessThan(15); // ... through 5/s at 0:30 ...
    expect(Math.abs(count('1:00') - 600)).toBeLessThan(15); // ... to 10/s at 1:00, then back down
    expect(Math.abs(count('1:30') - 300)).toBeLessThan(15);
  });

  it('follows a step/ramp schedule in simulated seconds', async () => {
    const sink = memorySink();
    await generate({ template: '{{date.utc("X")}}', rate: parseRate('10:5s,0..100:10s'), simulate: { startMs: 0, endMs: 60_000 }, producer: sink });
    const perSecond = new Map<number, number>();
    for (const l of sink.got) perSecond.set(Number(l.trim()), (perSecond.get(Number(l.trim())) ?? 0) + 1);
    expect(perSecond.get(0)).toBe(10);
    expect(perSecond.get(4)).toBe(10);
    expect(perSecond.get(10)).toBe(55); // 5.5 s into the ramp
    expect(perSecond.get(15)).toBeUndefined();
    expect(sink.got.length).toBe(50 + 500);
  });
});

describe('several templates', () => {
  it('draws in turn by default, by weight when weights are given', async () => {
    const turn = memorySink();
    await generate({ template: [{ source: 'A' }, { source: 'B' }, { source: 'C' }], rate: 1, count: 9, simulate: { startMs: 0, endMs: 10_000 }, producer: turn });
    expect(turn.got.join('')).toBe('A\nB\nC\nA\nB\nC\nA\nB\nC\n');

    const weighted = memorySink();
    await generate({ template: [{ source: 'A', weight: 3 }, { source: 'B', weight: 1 }], rate: 1000, count: 8000, seed: 2, simulate: { startMs: 0, endMs: 10_000 }, producer: weighted });
    const a = weighted.got.filter((x) => x === 'A\n').length;
    expect(a / 8000).toBeGreaterThan(0.73);
    expect(a / 8000).toBeLessThan(0.77);
  });

  it('splits a file at --- lines, with optional weights, and names each template in errors', () => {
    const specs = splitTemplateFile('--- weight: 2\n{"a": {{random.number(5)}}}\n---\n{"b":\n  {{name.frstName}}}\n', 'two.tpl');
    expect(specs.map((s) => [s.source, s.weight, s.name])).toEqual([
      ['{"a": {{random.number(5)}}}', 2, 'two.tpl #1 (from line 2)'],
      ['{"b":\n  {{name.frstName}}}', undefined, 'two.tpl #2 (from line 4)'],
    ]);
    expect(() => compileTemplateSet(specs)).toThrowError(/^Invalid template two\.tpl #2 \(from line 4\) at line 2, column 3: placeholder "\{\{name\.frstName\}\}"/);
    expect(splitTemplateFile('{{random.uuid}}\n', 'one.tpl')).toEqual([{ source: '{{random.uuid}}', name: 'one.tpl' }]);
    expect(() => splitTemplateFile('---\n---\n', 'empty.tpl')).toThrowError(/holds no template/);
  });

  it('checks a template-field partition key against every template', async () => {
    await expect(generate({ template: [{ source: '{{random.uuid}},{{random.uuid}}' }, { source: '{{random.uuid}}', name: 'b.tpl' }], rate: 1, count: 1, partitionKey: 'template-field:1', producer: memorySink() })).rejects.toThrowError(
      /template b\.tpl has 1 placeholder/,
    );
  });
});

describe('KDG framing', () => {
  it('removes the template line breaks and ends each record with one newline; raw keeps the text', async () => {
    const source = '\n{\n    "sensorId": {{random.number(50)}},\n    "status": "{{random.arrayElement(\n        ["OK","FAIL","WARN"]\n    )}}"\n}\n';
    const kdg = memorySink();
    await generate({ template: source, rate: 10, count: 5, simulate: { startMs: 0, endMs: 1000 }, producer: kdg });
    for (const r of kdg.got) {
      expect(r).toMatch(/^\{    "sensorId": \d+,    "status": "(OK|FAIL|WARN)"\}\n$/);
      expect(JSON.parse(r)).toHaveProperty('status');
    }
    const raw = memorySink();
    await generate({ template: source, framing: 'raw', rate: 10, count: 1, simulate: { startMs: 0, endMs: 1000 }, producer: raw });
    expect(raw.got[0]).toMatch(/^\n\{\n    "sensorId": \d+,\n/);
  });
});
