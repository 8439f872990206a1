/**
 * `npm run bench:nab`: scores detectors on the Numenta Anomaly Benchmark files in
 * `../shared/data/nab` (or `--data DIR`) with the project's scorer, point by point and strictly
 * online, one parameter set for every file.
 *
 * 1. The dev-subset table: normalised standard / reward_low_FP / reward_low_FN scores of fixed
 *    detectors, the null detector and Random Cut Forest (KDA defaults) as baselines in the same run.
 * 2. Leave-one-group-out (LOGO) validation of the way the default is chosen: for each of the three
 *    groups (AWS CloudWatch, known-cause, artificial), every tunable choice (which members, their
 *    parameters from a coarse grid, the suppression) is made on the other two groups (standard
 *    profile, NAB's corpus-wide threshold sweep on those two), then the held-out group is scored:
 *    with NAB's threshold sweep on the held-out group (the benchmark's rule) and, stricter, with the
 *    threshold chosen on the training groups. Mean and spread over the three held-out groups, once
 *    over every candidate and once over candidates whose model fits in 200 KB per key.
 *
 * Each member's per-file score series is cached (`--cache DIR`, default the OS temp dir), keyed by
 * its parameters and the source of the detector files it runs, so the sweep over ensembles is
 * cheap: an ensemble's `max` and suppression are recomputed from the cached member scores exactly
 * as `EnsembleDetector` does (checked against the real detector for the default).
 *
 *   npm run bench:nab                                   # table + LOGO
 *   npm run bench:nab -- --no-logo                      # table only
 *   npm run bench:nab -- --detector likelihood --params '{"inner":{"detector":"rcf"}}' --per-file
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNabCorpus, type NabFile } from '../src/detect/nab/corpus.js';
import { heapPerModel } from '../src/detect/nab/heap.js';
import { NAB_PROFILES, probationLength, rowWorths, scoreFile, sweepCorpus, type NabProfile } from '../src/detect/nab/scorer.js';
import { DEFAULT_ENSEMBLE, createDetector } from '../src/detect/registry.js';
import type { DetectorSpec } from '../src/detect/spec.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(here, '..', '..', 'shared', 'data', 'nab') },
    cache: { type: 'string', default: join(tmpdir(), 'sluice-nab-cache') },
    only: { type: 'string' },
    detector: { type: 'string' },
    params: { type: 'string' },
    'per-file': { type: 'boolean', default: false },
    'no-logo': { type: 'boolean', default: false },
    'no-table': { type: 'boolean', default: false },
  },
});

const corpus = loadNabCorpus(args.data);
const totalWindows = corpus.reduce((n, f) => n + f.windows.length, 0);
const totalPoints = corpus.reduce((n, f) => n + f.length, 0);
console.log(`NAB: ${corpus.length} files, ${totalWindows} windows, ${totalPoints} points from ${args.data}\n`);

// ---------------------------------------------------------------- cached member runs

/** Detector kind -> the source files its scores depend on (a change there invalidates the cache). */
const SOURCES: Record<string, string[]> = {
  threshold: ['threshold.ts'],
  ewma: ['ewma.ts'],
  rcf: ['rcf/forest.ts', 'rcf/tree.ts', 'rcf/sampler.ts', 'random.ts'],
  likelihood: ['likelihood.ts', 'likelihood-detector.ts'],
  ensemble: ['ensemble.ts'],
  art: ['art.ts'],
  cad: ['cad.ts'],
  sr: ['spectral-residual.ts'],
};
const srcDir = join(here, '..', 'src', 'detect');

function kindsOf(spec: DetectorSpec, out = new Set<string>()): Set<string> {
  out.add(spec.detector);
  const p = spec.params as { inner?: DetectorSpec; members?: DetectorSpec[] } | undefined;
  if (p?.inner) kindsOf(p.inner, out);
  for (const m of p?.members ?? []) kindsOf(m, out);
  return out;
}

/** The spec as it will run: the ensemble's parameters default field by field to `DEFAULT_ENSEMBLE`. */
function resolved(spec: DetectorSpec): DetectorSpec {
  if (spec.detector !== 'ensemble') return spec;
  return { detector: 'ensemble', params: { ...(DEFAULT_ENSEMBLE as unknown as Record<string, unknown>), ...spec.params } };
}

function cacheKey(given: DetectorSpec): string {
  const spec = resolved(given);
  const h = createHash('sha1').update(JSON.stringify(spec)).update(args.data);
  for (const k of [...kindsOf(spec)].sort()) {
    for (const f of SOURCES[k] ?? []) {
      const p = join(srcDir, f);
      if (existsSync(p)) h.update(readFileSync(p));
    }
  }
  return h.digest('hex').slice(0, 16);
}

interface Run {
  readonly scores: Float64Array[];
  readonly pointsPerSec: number;
}

function runOnFile(spec: DetectorSpec, file: NabFile): Float64Array {
  const scores = new Float64Array(file.length);
  const d = createDetector(spec.detector, spec.params);
  const v = new Float64Array(1);
  for (let i = 0; i < file.length; i++) {
    v[0] = file.values[i]!;
    scores[i] = d.update(v, file.timestamps[i]!).score;
  }
  return scores;
}

function runCached(spec: DetectorSpec): Run {
  mkdirSync(args.cache, { recursive: true });
  const path = join(args.cache, `${cacheKey(spec)}.bin`);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) {
    const buf = readFileSync(path);
    const all = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    let k = 0;
    const scores = corpus.map((f) => all.slice(k, (k += f.length)));
    return { scores, pointsPerSec: (JSON.parse(readFileSync(meta, 'utf8')) as { pointsPerSec: number }).pointsPerSec };
  }
  const t0 = performance.now();
  const scores = corpus.map((f) => runOnFile(spec, f));
  const pointsPerSec = totalPoints / ((performance.now() - t0) / 1000);
  const all = new Float64Array(totalPoints);
  let k = 0;
  for (const s of scores) {
    all.set(s, k);
    k += s.length;
  }
  writeFileSync(path, new Uint8Array(all.buffer));
  writeFileSync(meta, JSON.stringify({ spec, pointsPerSec }));
  return { scores, pointsPerSec };
}

const memoCache = new Map<string, number>();
function memoryOf(spec: DetectorSpec): number {
  const key = cacheKey(spec);
  const path = join(args.cache, `${key}.mem.json`);
  if (memoCache.has(key)) return memoCache.get(key)!;
  let bytes: number;
  if (existsSync(path)) bytes = (JSON.parse(readFileSync(path, 'utf8')) as { bytes: number }).bytes;
  else {
    bytes = heapPerModel(() => createDetector(spec.detector, spec.params), 30, 3000);
    writeFileSync(path, JSON.stringify({ spec, bytes }));
  }
  memoCache.set(key, bytes);
  return bytes;
}

// ---------------------------------------------------------------- groups and scoring

const GROUPS = ['AWS CloudWatch', 'known-cause', 'artificial'] as const;
type Group = (typeof GROUPS)[number];
function groupOf(f: NabFile): Group {
  if (f.name.startsWith('realAWSCloudwatch/')) return 'AWS CloudWatch';
  if (f.name.startsWith('realKnownCause/')) return 'known-cause';
  if (f.name.startsWith('artificial')) return 'artificial';
  throw new Error(`${f.name}: not in one of the three groups`);
}
const fileGroup = corpus.map(groupOf);

function sweep(scores: readonly Float64Array[], files: readonly number[], profile: NabProfile = NAB_PROFILES.standard) {
  return sweepCorpus(
    files.map((i) => ({ series: corpus[i]!, scores: scores[i]! })),
    profile,
  );
}

/** Normalised score of `files` at a given threshold (no sweep). */
function scoreAt(scores: readonly Float64Array[], files: readonly number[], threshold: number, profile: NabProfile = NAB_PROFILES.standard): number {
  let raw = 0;
  let windows = 0;
  for (const i of files) {
    raw += scoreFile(scores[i]!, corpus[i]!, profile, threshold);
    windows += corpus[i]!.windows.length;
  }
  const nullRaw = -profile.fn * windows;
  return (100 * (raw - nullRaw)) / (profile.tp * windows - nullRaw);
}

const allFiles = corpus.map((_, i) => i);
const filesOf = (groups: readonly Group[]) => allFiles.filter((i) => groups.includes(fileGroup[i]!));

interface Suppress {
  readonly level: number;
  readonly points: number;
  readonly cap: number;
}

/** Exactly `EnsembleDetector` with `combine: 'max'` and unit weights, on cached member scores. */
function combine(members: readonly Run[], suppress: Suppress | undefined): Float64Array[] {
  return corpus.map((f, fi) => {
    const out = new Float64Array(f.length);
    let since = Number.POSITIVE_INFINITY;
    for (let i = 0; i < f.length; i++) {
      let best = members[0]!.scores[fi]![i]!;
      for (let m = 1; m < members.length; m++) {
        const s = members[m]!.scores[fi]![i]!;
        if (s > best) best = s;
      }
      let score = Math.min(1, best);
      if (suppress !== undefined) {
        since++;
        if (since <= suppress.points) score = Math.min(score, suppress.cap);
        else if (score >= suppress.level) since = 0;
      }
      out[i] = score;
    }
    return out;
  });
}

/**
 * For ranking thousands of ensemble configurations: NAB's standard-profile sweep over several file
 * subsets at once, on scores rounded to float32 (one native sort per configuration instead of one
 * comparator sort per subset). The chosen configurations are then scored with the exact sweep.
 */
const rowMeta = (() => {
  const profile = NAB_PROFILES.standard;
  const worth: number[] = [];
  const win: number[] = [];
  const file: number[] = [];
  const windowBase: number[] = [];
  let windows = 0;
  corpus.forEach((f, fi) => {
    const rw = rowWorths(f, profile);
    windowBase.push(windows);
    for (let i = probationLength(f.length); i < f.length; i++) {
      worth.push(rw.worth[i]!);
      win.push(rw.windowOf[i]! < 0 ? -1 : windows + rw.windowOf[i]!);
      file.push(fi);
    }
    windows += f.windows.length;
  });
  const windowFile = new Int32Array(windows);
  corpus.forEach((f, fi) => f.windows.forEach((_, w) => (windowFile[windowBase[fi]! + w] = fi)));
  return { worth: Float64Array.from(worth), win: Int32Array.from(win), file: Int32Array.from(file), windows, windowFile };
})();
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function fastSweeps(scores: readonly Float64Array[], subsets: readonly (readonly number[])[]): number[] {
  const { worth, win, file, windows, windowFile } = rowMeta;
  const total = worth.length;
  const keys = new Float64Array(total);
  let k = 0;
  corpus.forEach((f, fi) => {
    const s = scores[fi]!;
    for (let i = probationLength(f.length); i < f.length; i++, k++) {
      f32[0] = s[i]!;
      // descending score order: (2^30 - bits) * 2^18 + row, exact in a double
      keys[k] = (0x40000000 - u32[0]!) * 262144 + k;
    }
  });
  keys.sort();
  const profile = NAB_PROFILES.standard;
  return subsets.map((subset) => {
    const inSet = new Uint8Array(corpus.length);
    for (const fi of subset) inSet[fi] = 1;
    let nWindows = 0;
    for (let w = 0; w < windows; w++) if (inSet[windowFile[w]!]) nWindows++;
    const nullRaw = -profile.fn * nWindows;
    const best = new Float64Array(windows).fill(Number.NEGATIVE_INFINITY);
    let s = nullRaw;
    let bestS = nullRaw;
    for (let j = 0; j < total; ) {
      const level = Math.floor(keys[j]! / 262144);
      for (; j < total && Math.floor(keys[j]! / 262144) === level; j++) {
        const i = keys[j]! % 262144;
        if (!inSet[file[i]!]) continue;
        const w = win[i]!;
        if (w < 0) s += worth[i]!;
        else if (best[w] === Number.NEGATIVE_INFINITY) {
          s += worth[i]! + profile.fn;
          best[w] = worth[i]!;
        } else if (worth[i]! > best[w]!) {
          s += worth[i]! - best[w]!;
          best[w] = worth[i]!;
        }
      }
      if (s > bestS) bestS = s;
    }
    return (100 * (bestS - nullRaw)) / (profile.tp * nWindows - nullRaw);
  });
}

const fmt = (x: number) => x.toFixed(1);
const pad = (s: string, n: number) => s.padEnd(n);
const kb = (b: number) => `${Math.round(b / 1024)} KB`;

// ---------------------------------------------------------------- 1. the dev-subset table

interface Entry {
  readonly label: string;
  readonly spec?: DetectorSpec;
}

const likelihoodOf = (inner: DetectorSpec, extra: Record<string, unknown> = {}): DetectorSpec => ({
  detector: 'likelihood',
  params: { averagingWindow: 10, learningPeriod: 300, ...extra, inner },
});
const RCF_TOD = { timeDecay: 1e-4, normalize: true, timeOfDay: true };
/** The RCF sizes the leave-one-group-out procedure chooses among (besides v1's 50 x 256). */
const RCF_SIZES: readonly (readonly [number, number])[] = [
  [10, 64],
  [20, 64],
  [40, 64],
  [20, 128],
  [30, 128],
  [15, 256],
  [25, 256],
];

const entries: Entry[] = args.detector
  ? [{ label: 'null' }, { label: args.detector, spec: { detector: args.detector, ...(args.params ? { params: JSON.parse(args.params) as Record<string, unknown> } : {}) } }]
  : [
      { label: 'null' },
      // Kinesis Data Analytics' RANDOM_CUT_FOREST defaults: 100 trees, 256 samples, shingle 1.
      { label: 'rcf (KDA defaults)', spec: { detector: 'rcf', params: { numberOfTrees: 100, sampleSize: 256, timeDecay: 1e-5 } } },
      { label: 'threshold (learned range)', spec: { detector: 'threshold' } },
      { label: 'ewma', spec: { detector: 'ewma' } },
      { label: 'likelihood(ewma)', spec: likelihoodOf({ detector: 'ewma' }) },
      { label: 'likelihood(rcf + time of day)', spec: likelihoodOf({ detector: 'rcf', params: { numberOfTrees: 50, ...RCF_TOD } }) },
      { label: 'art', spec: { detector: 'art' } },
      { label: 'cad', spec: { detector: 'cad' } },
      { label: 'sr', spec: { detector: 'sr' } },
      { label: 'likelihood(sr)', spec: likelihoodOf({ detector: 'sr' }) },
      {
        label: 'ensemble v1 (issue 4 default)',
        spec: {
          detector: 'ensemble',
          params: {
            members: [likelihoodOf({ detector: 'rcf', params: { numberOfTrees: 50, sampleSize: 256, ...RCF_TOD } }), { detector: 'threshold', params: { learn: true, tolerance: 0.02 } }],
            suppress: { level: 0.45, points: 100, cap: 0.3 },
          },
        },
      },
      { label: 'ensemble (default)', spec: { detector: 'ensemble' } },
    ];

if (!args['no-table']) {
  const only = args.only?.split(',');
  const selected = only ? entries.filter((e) => e.label === 'null' || only.some((o) => e.label.startsWith(o))) : entries;
  console.log(`${pad('detector', 32)} ${'standard'.padStart(9)} ${'low FP'.padStart(9)} ${'low FN'.padStart(9)} ${'points/s'.padStart(10)} ${'memory/key'.padStart(11)}`);
  for (const e of selected) {
    const run: Run = e.spec ? runCached(e.spec) : { scores: corpus.map((f) => new Float64Array(f.length)), pointsPerSec: 0 };
    const r = Object.values(NAB_PROFILES).map((p) => sweep(run.scores, allFiles, p));
    const cols = r.map((x) => fmt(x.normalized).padStart(9)).join(' ');
    const speed = e.spec ? Math.round(run.pointsPerSec).toString() : '';
    const mem = e.spec ? kb(memoryOf(e.spec)) : '';
    console.log(`${pad(e.label, 32)} ${cols} ${speed.padStart(10)} ${mem.padStart(11)}`);
    if (args['per-file']) {
      const t = r[0]!.threshold;
      corpus.forEach((series, i) => {
        const raw = scoreFile(run.scores[i]!, series, NAB_PROFILES.standard, t);
        console.log(`    ${pad(series.name, 60)} windows ${series.windows.length} raw ${raw.toFixed(2)}`);
      });
      console.log(`    threshold (standard) ${t}`);
    }
    if (e.spec) {
      const per = GROUPS.map((g) => `${g} ${fmt(sweep(run.scores, filesOf([g])).normalized)}`).join(', ');
      console.log(`    per group (threshold swept within the group, standard): ${per}`);
    }
  }
  console.log('(points/s: one process, the whole corpus, including JIT warm-up; measured when the scores were first cached)\n');
}

// ---------------------------------------------------------------- 2. leave-one-group-out

if (!args['no-logo'] && !args.detector) {
  /** The candidate members: a coarse grid per family (each is cached once). */
  const MEMBERS: { label: string; spec: DetectorSpec; v1?: boolean }[] = [
    { label: 'L(rcf 50x256 tod)', v1: true, spec: likelihoodOf({ detector: 'rcf', params: { numberOfTrees: 50, ...RCF_TOD } }) },
    // forest sizes (trees x sample size) from the smallest to beyond 200 KB per key
    ...RCF_SIZES.map(([trees, samples]) => ({
      label: `L(rcf ${trees}x${samples} tod)`,
      v1: true,
      spec: likelihoodOf({ detector: 'rcf', params: { numberOfTrees: trees, sampleSize: samples, ...RCF_TOD } }, { historicWindow: 2016 }),
    })),
    { label: 'threshold 0.02', v1: true, spec: { detector: 'threshold', params: { learn: true, tolerance: 0.02 } } },
    { label: 'threshold 0.05', v1: true, spec: { detector: 'threshold', params: { learn: true, tolerance: 0.05 } } },
    { label: 'L(ewma)', v1: true, spec: likelihoodOf({ detector: 'ewma' }, { historicWindow: 2016 }) },
    { label: 'art', spec: { detector: 'art' } },
    { label: 'L(art)', spec: likelihoodOf({ detector: 'art' }, { historicWindow: 2016 }) },
    { label: 'cad', spec: { detector: 'cad' } },
    { label: 'L(cad)', spec: likelihoodOf({ detector: 'cad' }, { historicWindow: 2016 }) },
    { label: 'L(sr)', spec: likelihoodOf({ detector: 'sr' }, { historicWindow: 2016 }) },
  ].filter((m) => !args.only || args.only.split(',').some((o) => m.label.startsWith(o)));
  const SUPPRESS: (Suppress | undefined)[] = [
    undefined,
    { level: 0.4, points: 100, cap: 0.3 },
    { level: 0.45, points: 100, cap: 0.3 },
    { level: 0.5, points: 100, cap: 0.3 },
    { level: 0.45, points: 200, cap: 0.3 },
  ];

  console.log('Leave-one-group-out: caching member runs and measuring memory per key ...');
  const runs = MEMBERS.map((m) => {
    const run = runCached(m.spec);
    const bytes = memoryOf(m.spec);
    console.log(`  ${pad(m.label, 28)} ${Math.round(run.pointsPerSec).toString().padStart(8)} points/s ${kb(bytes).padStart(8)} per key`);
    return { ...m, run, bytes };
  });

  interface Config {
    readonly members: number[];
    readonly suppress: Suppress | undefined;
    readonly bytes: number;
  }
  const configs: Config[] = [];
  const n = runs.length;
  const subsets: number[][] = [];
  for (let a = 0; a < n; a++) {
    subsets.push([a]);
    for (let b = a + 1; b < n; b++) {
      subsets.push([a, b]);
      for (let c = b + 1; c < n; c++) subsets.push([a, b, c]);
    }
  }
  for (const s of subsets) {
    for (const suppress of SUPPRESS) configs.push({ members: s, suppress, bytes: s.reduce((t, i) => t + runs[i]!.bytes, 0) });
  }
  const describe = (c: Config) =>
    `max(${c.members.map((i) => runs[i]!.label).join(', ')})${c.suppress ? ` suppress ${c.suppress.level}/${c.suppress.points}` : ''}`;

  // every config's training score for every held-out group, plus on all three groups
  const trainSets = GROUPS.map((g) => filesOf(GROUPS.filter((x) => x !== g)));
  const train = configs.map(() => new Float64Array(GROUPS.length + 1));
  // the ranking is cached too, keyed by every member's cache key and the suppression grid
  const rankPath = join(
    args.cache,
    `rank-${createHash('sha1')
      .update(JSON.stringify([runs.map((r) => cacheKey(r.spec)), SUPPRESS, fastSweeps.toString(), combine.toString()]))
      .digest('hex')
      .slice(0, 16)}.bin`,
  );
  const t0 = performance.now();
  if (existsSync(rankPath)) {
    const buf = readFileSync(rankPath);
    const flat = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    train.forEach((row, ci) => row.set(flat.subarray(ci * row.length, (ci + 1) * row.length)));
  } else {
    configs.forEach((c, ci) => {
      const scores = combine(
        c.members.map((i) => runs[i]!.run),
        c.suppress,
      );
      train[ci]!.set(fastSweeps(scores, [...trainSets, allFiles]));
    });
    const flat = new Float64Array(configs.length * (GROUPS.length + 1));
    train.forEach((row, ci) => flat.set(row, ci * row.length));
    writeFileSync(rankPath, new Uint8Array(flat.buffer));
  }
  console.log(`  ${configs.length} ensemble configurations ranked in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);

  const v1Only = (c: Config) => c.members.every((i) => runs[i]!.v1 === true);
  const pools: [string, (c: Config) => boolean][] = [
    ['v1 families only (RCF, threshold, EWMA), any size', v1Only],
    ['every family (+ art, cad, sr), any size', () => true],
    ['v1 families only, models <= 200 KB per key', (c) => v1Only(c) && c.bytes <= 200 * 1024],
    ['every family, models <= 200 KB per key', (c) => c.bytes <= 200 * 1024],
  ];
  for (const [name, inPool] of pools) {
    const allowed = configs.map((c, i) => [c, i] as const).filter(([c]) => inPool(c));
    if (allowed.length === 0) continue;
    console.log(`LOGO, choices made over ${name}: ${allowed.length} configurations, standard profile:`);
    console.log(`  ${pad('held out', 16)} ${'train'.padStart(6)} ${'held-out'.padStart(9)} ${'@train thr'.padStart(10)}  chosen on the other two groups`);
    const held: number[] = [];
    const heldTrainThr: number[] = [];
    GROUPS.forEach((g, gi) => {
      let best = allowed[0]!;
      for (const a of allowed) if (train[a[1]]![gi]! > train[best[1]]![gi]! + 1e-9) best = a;
      const scores = combine(
        best[0].members.map((i) => runs[i]!.run),
        best[0].suppress,
      );
      const trainThreshold = sweep(scores, trainSets[gi]!).threshold;
      const test = filesOf([g]);
      const h = sweep(scores, test).normalized;
      const exactTrain = sweep(scores, trainSets[gi]!).normalized;
      const ht = scoreAt(scores, test, trainThreshold);
      held.push(h);
      heldTrainThr.push(ht);
      console.log(`  ${pad(g, 16)} ${fmt(exactTrain).padStart(6)} ${fmt(h).padStart(9)} ${fmt(ht).padStart(10)}  ${describe(best[0])}`);
    });
    const stats = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
      return `${fmt(m)} (sd ${fmt(sd)}, ${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})`;
    };
    console.log(`  held-out mean: ${stats(held)}; at the training threshold: ${stats(heldTrainThr)}`);
    let final = allowed[0]!;
    for (const a of allowed) if (train[a[1]]![GROUPS.length]! > train[final[1]]![GROUPS.length]! + 1e-9) final = a;
    console.log(`  chosen on all three groups: ${describe(final[0])} (${fmt(train[final[1]]![GROUPS.length]!)} in-sample, ${kb(final[0].bytes)} per key)\n`);
  }

  // The plateau: the same procedure with the RCF's size fixed (v1 families; the other members and the
  // suppression still chosen per fold), so a size is judged by its neighbours, not by one peak.
  console.log('LOGO with the RCF size fixed (v1 families, rest chosen per fold), held-out standard score:');
  console.log(`  ${pad('RCF member', 22)} ${'RCF alone'.padStart(10)} ${GROUPS.map((g) => g.padStart(15)).join('')} ${'mean'.padStart(6)}`);
  const isRcf = (i: number) => runs[i]!.label.startsWith('L(rcf');
  runs.forEach((r, ri) => {
    if (!isRcf(ri)) return;
    const allowed = configs.map((c, i) => [c, i] as const).filter(([c]) => v1Only(c) && c.members.includes(ri) && c.members.every((i) => !isRcf(i) || i === ri));
    const held = GROUPS.map((g, gi) => {
      let best = allowed[0]!;
      for (const a of allowed) if (train[a[1]]![gi]! > train[best[1]]![gi]! + 1e-9) best = a;
      const scores = combine(
        best[0].members.map((i) => runs[i]!.run),
        best[0].suppress,
      );
      return sweep(scores, filesOf([g])).normalized;
    });
    const mean = held.reduce((a, b) => a + b, 0) / held.length;
    console.log(`  ${pad(r.label, 22)} ${kb(r.bytes).padStart(10)} ${held.map((h) => fmt(h).padStart(15)).join('')} ${fmt(mean).padStart(6)}`);
  });
  console.log('');

  // the default, scored the same way (fixed: nothing chosen per fold), and checked against the offline combination
  const def = runCached({ detector: 'ensemble' });
  const per = GROUPS.map((g) => sweep(def.scores, filesOf([g])).normalized);
  console.log(
    `Default ensemble per group (fixed parameters, threshold swept per group): ${GROUPS.map((g, i) => `${g} ${fmt(per[i]!)}`).join(', ')}; mean ${fmt(per.reduce((a, b) => a + b, 0) / 3)}`,
  );
  const defMembers = DEFAULT_ENSEMBLE.members.map((m) => runCached(m as DetectorSpec));
  const again = combine(defMembers, DEFAULT_ENSEMBLE.suppress as Suppress | undefined);
  const same = again.every((s, fi) => s.every((x, i) => x === def.scores[fi]![i]));
  console.log(`Offline combination of the default's cached members equals the real EnsembleDetector: ${same}`);
  if (!same) process.exitCode = 1;
}

// keep the cache from growing without bound across source edits
if (existsSync(args.cache) && readdirSync(args.cache).length > 2000) console.warn(`note: ${args.cache} holds many cached runs; delete it to start afresh`);
