/**
 * Detector throughput, points per second on one core (this process is single-threaded; wall
 * clock, and per second of this process's CPU time, which a loaded machine disturbs less), median
 * of 5 runs after one warm-up run over the same synthetic series (a noisy daily cycle with spikes), with a trivial EWMA
 * loop measured in the same run as the baseline; and memory per key: heap + typed-array bytes
 * per live model (`heapPerModel`: 30 models fed 3,000 points each, after a full GC) and the size
 * of its checkpoint JSON. `npm run bench -- detect` or `node --import tsx bench/detect.bench.ts`.
 */
import { heapPerModel } from '../src/detect/nab/heap.js';
import { createDetector } from '../src/detect/registry.js';
import { Rng } from '../src/detect/random.js';

const N = Number(process.env.DETECT_BENCH_POINTS ?? 20_000);
const REPEATS = 5;
const rng = new Rng(1);
const values = Float64Array.from({ length: N }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * rng.next() + (i % 997 === 0 ? 40 : 0));
const times = Float64Array.from({ length: N }, (_, i) => Date.UTC(2024, 0, 1) + i * 300_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function baseline(): number {
  // the cheapest honest online detector: an EWMA z-score loop on the raw array
  let m = values[0]!;
  let v = 0;
  let sink = 0;
  const t0 = performance.now();
  for (let i = 1; i < N; i++) {
    const d = values[i]! - m;
    sink += Math.abs(d) / (Math.sqrt(v) + 1e-9);
    m += 0.02 * d;
    v = 0.98 * (v + 0.02 * d * d);
  }
  const secs = (performance.now() - t0) / 1000;
  if (sink === -1) console.log(sink);
  return N / secs;
}

const cases: [string, string, Record<string, unknown> | undefined][] = [
  ['threshold', 'threshold', undefined],
  ['ewma', 'ewma', undefined],
  ['likelihood(ewma)', 'likelihood', { inner: { detector: 'ewma' } }],
  ['rcf 100 trees, 256 samples, shingle 1', 'rcf', { numberOfTrees: 100, sampleSize: 256 }],
  ['rcf 100 trees, 256 samples, shingle 4', 'rcf', { numberOfTrees: 100, sampleSize: 256, shingleSize: 4 }],
  ['rcf 50 trees + time of day (v1 default member)', 'rcf', { numberOfTrees: 50, timeDecay: 1e-4, normalize: true, timeOfDay: true }],
  ['rcf 10 trees, 64 samples + time of day', 'rcf', { numberOfTrees: 10, sampleSize: 64, timeDecay: 1e-4, normalize: true, timeOfDay: true }],
  // the default's member, with no, the default share (0.3) and every bounding box kept
  ['rcf 20 x 128 + time of day, boxCache 0', 'rcf', { numberOfTrees: 20, sampleSize: 128, timeDecay: 1e-4, normalize: true, timeOfDay: true, boxCache: 0 }],
  ['rcf 20 x 128 + time of day (default member)', 'rcf', { numberOfTrees: 20, sampleSize: 128, timeDecay: 1e-4, normalize: true, timeOfDay: true }],
  ['rcf 20 x 128 + time of day, boxCache 1', 'rcf', { numberOfTrees: 20, sampleSize: 128, timeDecay: 1e-4, normalize: true, timeOfDay: true, boxCache: 1 }],
  ['art (adaptive resonance)', 'art', undefined],
  ['cad (contextual)', 'cad', undefined],
  ['sr (spectral residual)', 'sr', undefined],
  ['likelihood(sr)', 'likelihood', { inner: { detector: 'sr' }, historicWindow: 2016 }],
  ['ensemble v1 (likelihood(rcf 50) + threshold)', 'ensemble', { members: [{ detector: 'likelihood', params: { averagingWindow: 10, learningPeriod: 300, inner: { detector: 'rcf', params: { numberOfTrees: 50, sampleSize: 256, timeDecay: 1e-4, normalize: true, timeOfDay: true } } } }, { detector: 'threshold', params: { learn: true, tolerance: 0.02 } }] }],
  [
    'ensemble v2.0 (rcf 10 x 64, suppress 0.4)',
    'ensemble',
    {
      members: [
        { detector: 'likelihood', params: { averagingWindow: 10, learningPeriod: 300, historicWindow: 2016, inner: { detector: 'rcf', params: { numberOfTrees: 10, sampleSize: 64, timeDecay: 1e-4, normalize: true, timeOfDay: true } } } },
        { detector: 'threshold', params: { learn: true, tolerance: 0.02 } },
        { detector: 'likelihood', params: { averagingWindow: 10, learningPeriod: 300, historicWindow: 2016, inner: { detector: 'ewma' } } },
      ],
      suppress: { level: 0.4, points: 100, cap: 0.3 },
    },
  ],
  ['ensemble (default)', 'ensemble', undefined],
];

for (let w = 0; w < 5; w++) baseline(); // let the JIT optimise the loop first
const base = median(Array.from({ length: REPEATS }, baseline));
console.log(`${N} points per run, median of ${REPEATS} runs, one core`);
console.log(`${'detector'.padEnd(46)} ${'points/s'.padStart(12)} ${'CPU pts/s'.padStart(12)} ${'vs EWMA loop'.padStart(13)} ${'memory/key'.padStart(11)} ${'checkpoint'.padStart(11)}`);
console.log(`${'baseline: inline EWMA loop'.padEnd(46)} ${Math.round(base).toString().padStart(12)} ${''.padStart(12)} ${'1'.padStart(13)}`);
for (const [label, name, params] of cases) {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = -1; r < REPEATS; r++) { // run -1 warms the JIT up and is not counted
    const d = createDetector(name, params);
    const p = new Float64Array(1);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      p[0] = values[i]!;
      d.update(p, times[i]!);
    }
    const c = process.cpuUsage(c0);
    if (r >= 0) {
      rates.push(N / ((performance.now() - t0) / 1000));
      cpuRates.push(N / ((c.user + c.system) / 1e6));
    }
  }
  const m = median(rates);
  const mc = median(cpuRates);
  const heap = heapPerModel(() => createDetector(name, params), 30, 3000);
  const d = createDetector(name, params);
  const p = new Float64Array(1);
  for (let i = 0; i < 3000; i++) {
    p[0] = values[i]!;
    d.update(p, times[i]!);
  }
  const checkpoint = JSON.stringify(d.toState()).length;
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  console.log(
    `${label.padEnd(46)} ${Math.round(m).toString().padStart(12)} ${Math.round(mc).toString().padStart(12)} ${(m / base).toExponential(2).padStart(13)} ${kb(heap).padStart(11)} ${kb(checkpoint).padStart(11)}`,
  );
}
