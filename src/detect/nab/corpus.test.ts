import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNabCorpus } from './corpus.js';
import { NAB_PROFILES, probationLength, sweepCorpus } from './scorer.js';

// ../shared relative to the repo root (NAB_DATA overrides); a missing folder fails, naming the path
const dir = process.env.NAB_DATA ?? '../shared/data/nab';

describe('NAB development subset', () => {
  it(`has its data in ${resolve(dir)}`, () => {
    expect(existsSync(join(dir, 'combined_windows.json')), `missing ${resolve(dir, 'combined_windows.json')}`).toBe(true);
  });
  const corpus = existsSync(join(dir, 'combined_windows.json')) ? loadNabCorpus(dir) : [];

  it('loads 35 files and maps the 55 windows onto rows after probation', () => {
    expect(corpus).toHaveLength(35);
    expect(corpus.reduce((n, f) => n + f.windows.length, 0)).toBe(55);
    for (const f of corpus) {
      for (const [l, r] of f.windows) {
        expect(l).toBeGreaterThanOrEqual(probationLength(f.length));
        expect(r).toBeGreaterThanOrEqual(l);
        expect(r).toBeLessThan(f.length);
      }
    }
  });

  it('scores 0 for the null detector and 100 for one detection at the start of each window', () => {
    const nul = corpus.map((series) => ({ series, scores: new Float64Array(series.length) }));
    const perfect = corpus.map((series) => {
      const scores = new Float64Array(series.length);
      for (const [l] of series.windows) scores[l] = 1;
      return { series, scores };
    });
    for (const p of Object.values(NAB_PROFILES)) {
      expect(sweepCorpus(nul, p).normalized).toBe(0);
      expect(sweepCorpus(perfect, p).normalized).toBeCloseTo(100, 9);
    }
  });
});
