/**
 * Memory per live detector (JS heap + typed-array buffers), measured the way the keyed operator holds them: `count` models,
 * each fed `points` points of a noisy daily cycle (5-minute steps), after a full GC, divided by
 * `count`. Used by the benchmarks (`bench/nab.ts`, `bench/detect.bench.ts`), not by pipelines.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Rng } from '../random.js';
import type { Detector } from '../types.js';

function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

/** JS heap plus typed-array backing stores (which V8 keeps outside the heap). */
function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function heapPerModel(make: () => Detector, count = 20, points = 3000): number {
  const gc = collector();
  const rng = new Rng(7);
  const values = Float64Array.from({ length: points }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * rng.next());
  const t0 = Date.UTC(2024, 0, 1);
  gc();
  const before = used();
  const models: Detector[] = [];
  const v = new Float64Array(1);
  for (let m = 0; m < count; m++) {
    const d = make();
    for (let i = 0; i < points; i++) {
      v[0] = values[i]!;
      d.update(v, t0 + i * 300_000);
    }
    models.push(d);
  }
  gc();
  const after = used();
  if (models.length !== count) throw new Error('unreachable');
  return Math.max(0, (after - before) / count);
}
