import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFile } from '../cli/commands/detect.js';

describe('sluice detect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-detect-'));
  const input = join(dir, 'in.csv');
  const start = Date.parse('2014-04-01T00:00:00Z');
  const lines = ['timestamp,value'];
  for (let i = 0; i < 2000; i++) {
    const t = new Date(start + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(`${t},${(i === 1700 ? 500 : 50 + 10 * Math.sin(i / 20)).toFixed(3)}`);
  }
  writeFileSync(input, `${lines.join('\n')}\n`);

  it('writes timestamp,value,anomaly_score in [0, 1] with the spike on top', async () => {
    const output = join(dir, 'out.csv');
    const r = await detectFile({ input, output, detector: 'ensemble' });
    expect(r.rows).toBe(2000);
    const rows = readFileSync(output, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('timestamp,value,anomaly_score');
    expect(rows).toHaveLength(2001);
    const scores = rows.slice(1).map((l) => Number(l.split(',')[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(rows[1701]!.startsWith(lines[1701]!)).toBe(true);
    expect(scores.indexOf(Math.max(...scores))).toBe(1700);
  });

  it('explains bad input', async () => {
    const output = join(dir, 'bad.csv');
    writeFileSync(join(dir, 'broken.csv'), 'timestamp,value\n2014-04-01 00:00:00,12\n2014-04-01 00:05:00,oops\n');
    await expect(detectFile({ input: join(dir, 'broken.csv'), output, detector: 'ewma' })).rejects.toThrow(/line 3.*Fix/);
    await expect(detectFile({ input, output, detector: 'rcf', params: '{nope' })).rejects.toThrow(/Invalid --params/);
    await expect(detectFile({ input, output, detector: 'ensemble', params: '{"bad":1}' })).rejects.toThrow(/bad/);
  });
});
