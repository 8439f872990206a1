/**
 * `npm run bench:nab`: scores detectors on the Numenta Anomaly Benchmark files in
 * `../shared/data/nab` (or `--data DIR`) with the project's scorer, point by point and strictly
 * online, one parameter set for every file. Prints the normalised standard, reward_low_FP and
 * reward_low_FN scores per detector, with the null detector and Random Cut Forest (KDA defaults)
 * as baselines in the same run.
 *
 *   npm run bench:nab                                   # all configured detectors
 *   npm run bench:nab -- --only rcf,ensemble            # a subset
 *   npm run bench:nab -- --detector likelihood --params '{"inner":{"detector":"rcf"}}'
 */
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNabCorpus, type NabFile } from '../src/detect/nab/corpus.js';
import { NAB_PROFILES, scoreFile, sweepCorpus } from '../src/detect/nab/scorer.js';
import { createDetector } from '../src/detect/registry.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(here, '..', '..', 'shared', 'data', 'nab') },
    only: { type: 'string' },
    detector: { type: 'string' },
    params: { type: 'string' },
    'per-file': { type: 'boolean', default: false },
  },
});

interface Entry {
  readonly label: string;
  readonly detector?: string;
  readonly params?: Record<string, unknown>;
}

const entries: Entry[] = args.detector
  ? [{ label: 'null' }, { label: args.detector, detector: args.detector, params: args.params ? JSON.parse(args.params) : undefined }]
  : [
      { label: 'null' },
      // Kinesis Data Analytics' RANDOM_CUT_FOREST defaults: 100 trees, 256 samples, shingle 1.
      { label: 'rcf (KDA defaults)', detector: 'rcf', params: { numberOfTrees: 100, sampleSize: 256, timeDecay: 1e-5 } },
      { label: 'threshold (learned range)', detector: 'threshold' },
      { label: 'ewma', detector: 'ewma' },
      { label: 'likelihood(ewma)', detector: 'likelihood', params: { inner: { detector: 'ewma' } } },
      { label: 'likelihood(rcf)', detector: 'likelihood', params: { inner: { detector: 'rcf', params: { numberOfTrees: 50, timeDecay: 1e-4 } } } },
      {
        label: 'likelihood(rcf + time of day)',
        detector: 'likelihood',
        params: { inner: { detector: 'rcf', params: { numberOfTrees: 50, timeDecay: 1e-4, normalize: true, timeOfDay: true } } },
      },
      { label: 'ensemble (default)', detector: 'ensemble' },
    ];
const only = args.only?.split(',');
const selected = only ? entries.filter((e) => e.label === 'null' || only.some((o) => e.label.startsWith(o))) : entries;

const corpus = loadNabCorpus(args.data);
const windows = corpus.reduce((n, f) => n + f.windows.length, 0);
const points = corpus.reduce((n, f) => n + f.length, 0);
console.log(`NAB: ${corpus.length} files, ${windows} windows, ${points} points from ${args.data}\n`);

function run(e: Entry, file: NabFile): Float64Array {
  const scores = new Float64Array(file.length);
  if (e.detector === undefined) return scores; // the null detector never fires
  const d = createDetector(e.detector, e.params);
  const v = new Float64Array(1);
  for (let i = 0; i < file.length; i++) {
    v[0] = file.values[i]!;
    scores[i] = d.update(v, file.timestamps[i]!).score;
  }
  return scores;
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${pad('detector', 30)} ${'standard'.padStart(9)} ${'low FP'.padStart(9)} ${'low FN'.padStart(9)} ${'points/s'.padStart(10)}`);
for (const e of selected) {
  const t0 = performance.now();
  const runs = corpus.map((series) => ({ series, scores: run(e, series) }));
  const secs = (performance.now() - t0) / 1000;
  const r = Object.values(NAB_PROFILES).map((p) => sweepCorpus(runs, p));
  const cols = r.map((x) => x.normalized.toFixed(1).padStart(9)).join(' ');
  console.log(`${pad(e.label, 30)} ${cols} ${e.detector ? Math.round(points / secs).toString().padStart(10) : ''.padStart(10)}`);
  if (args['per-file']) {
    const t = r[0]!.threshold;
    for (const { series, scores } of runs) {
      const raw = scoreFile(scores, series, NAB_PROFILES.standard, t);
      console.log(`    ${pad(series.name, 60)} windows ${series.windows.length} raw ${raw.toFixed(2)}`);
    }
    console.log(`    threshold (standard) ${t}`);
  }
}
