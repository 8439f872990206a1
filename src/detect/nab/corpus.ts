/** Reads a NAB-layout folder: `combined_windows.json` plus `category/file.csv` (`timestamp,value`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SluiceError } from '../../errors.js';
import type { LabeledSeries } from './scorer.js';

export interface NabFile extends LabeledSeries {
  /** Epoch milliseconds (UTC) of each row. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/** `2013-12-02 21:15:00[.000000]` as UTC epoch milliseconds. */
export function parseNabTime(text: string): number {
  const t = Date.parse(`${text.trim().replace(' ', 'T').slice(0, 19)}Z`);
  if (Number.isNaN(t)) {
    throw new SluiceError(`Invalid timestamp ${JSON.stringify(text)}. Fix: use "YYYY-MM-DD HH:MM:SS".`, {
      domain: 'user',
      code: 'InvalidTimestamp',
    });
  }
  return t;
}

/** Parses a `timestamp,value` CSV with a header row. */
export function parseSeriesCsv(text: string, name: string): { timestamps: Float64Array; values: Float64Array } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const timestamps = new Float64Array(lines.length - 1);
  const values = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const comma = line.indexOf(',');
    const v = Number(line.slice(comma + 1));
    if (comma < 0 || Number.isNaN(v)) {
      throw new SluiceError(`${name} line ${i + 1}: expected "timestamp,value", got ${JSON.stringify(line)}.`, {
        domain: 'user',
        code: 'InvalidCsv',
      });
    }
    timestamps[i - 1] = parseNabTime(line.slice(0, comma));
    values[i - 1] = v;
  }
  return { timestamps, values };
}

/** Maps each `[start, end]` timestamp pair to the inclusive row range it covers. */
export function windowsToRows(timestamps: Float64Array, windows: readonly (readonly [string, string])[]) {
  return windows.map(([a, b]) => {
    const start = parseNabTime(a);
    const end = parseNabTime(b);
    let l = 0;
    while (l < timestamps.length && timestamps[l]! < start) l++;
    let r = timestamps.length - 1;
    while (r >= 0 && timestamps[r]! > end) r--;
    return [l, r] as const;
  });
}

export function loadNabCorpus(dir: string): NabFile[] {
  const labels = JSON.parse(readFileSync(join(dir, 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  return Object.keys(labels)
    .sort()
    .map((name) => {
      const { timestamps, values } = parseSeriesCsv(readFileSync(join(dir, name), 'utf8'), name);
      return { name, length: values.length, timestamps, values, windows: windowsToRows(timestamps, labels[name]!) };
    });
}
