/**
 * Spectral residual (SR) saliency, online. Source: H. Ren et al., "Time-Series Anomaly Detection
 * Service at Microsoft", KDD 2019 (arXiv:1906.03821), section 3.2, after Hou & Zhang's visual
 * saliency (CVPR 2007). Written from the paper's description.
 *
 * For each new point: take the last `window` points (this one included), extend them by
 * `extend` estimated points (the paper's trick so the newest point is not at the edge of the
 * transform: the estimate continues the average slope of the `extend + 1` points before the
 * newest one), Fourier-transform, subtract from the log amplitude its moving average over
 * `q` frequencies (the spectral residual), transform back with the original phase: the result
 * is the saliency map. The raw score is the newest point's saliency relative to the mean of the
 * `z` saliencies before it, `(S - mean) / mean` (the paper flags raw > 3). Strictly online: only
 * this point and the points before it are used. Several columns: each column separately, the
 * largest raw score wins.
 */
import { z } from 'zod';
import type { Detector, DetectorState, Scored } from './types.js';

export const srParamsSchema = z
  .object({
    /** Real points per transform; `window + extend` must be a power of two. */
    window: z.number().int().min(8).max(1019).default(59),
    extend: z.number().int().min(1).max(16).default(5),
    /** Moving-average width over the log amplitude spectrum. */
    q: z.number().int().min(1).max(32).default(3),
    /** Saliencies averaged for the comparison. */
    z: z.number().int().min(1).max(512).default(21),
    /** raw score mapped to 0.5. */
    half: z.number().gt(0).default(3),
  })
  .strict()
  .refine((p) => ((p.window + p.extend) & (p.window + p.extend - 1)) === 0, {
    message: 'window + extend must be a power of two (e.g. 59 + 5 = 64)',
    path: ['window'],
  })
  .refine((p) => p.z < p.window, { message: 'z must be smaller than window', path: ['z'] })
  .refine((p) => p.window > p.extend + 2, { message: 'window must be larger than extend + 2', path: ['window'] });
export type SrParams = z.output<typeof srParamsSchema>;

interface SrData {
  seen: number;
  /** Per column, the last `window` values, oldest first. */
  history: number[][];
}

/** In-place iterative radix-2 FFT (sign -1 forward, +1 inverse without the 1/n). */
function fft(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len >> 1; k++) {
        const a = i + k;
        const b = a + (len >> 1);
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

export class SpectralResidualDetector implements Detector {
  readonly kind = 'sr';
  readonly params: SrParams;
  private seen = 0;
  private history: Float64Array[] = [];
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly amp: Float64Array;
  private readonly logA: Float64Array;

  constructor(params: Partial<SrParams> = {}) {
    this.params = srParamsSchema.parse(params);
    const n = this.params.window + this.params.extend;
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
    this.amp = new Float64Array(n);
    this.logA = new Float64Array(n);
  }

  /** Saliency ratio of the newest point of `h` (oldest first, newest last). */
  private saliency(h: Float64Array): number {
    const { window: w, extend: m, q, z: zn } = this.params;
    const n = w + m;
    const re = this.re;
    const im = this.im;
    // the extension continues the points before the newest one (as the paper's reference
    // implementation does), so a spike in the newest point is not smeared into its own extension
    const last = h[w - 2]!;
    let g = 0;
    for (let i = 1; i <= m; i++) g += (last - h[w - 2 - i]!) / i;
    g /= m;
    const est = h[w - 1 - m]! + g * m; // x_{n+1} = x_{n-m+1} + g * m
    for (let i = 0; i < w; i++) re[i] = h[i]!;
    for (let i = w; i < n; i++) re[i] = est;
    im.fill(0);
    fft(re, im, -1);
    const amp = this.amp;
    for (let i = 0; i < n; i++) amp[i] = Math.hypot(re[i]!, im[i]!);
    // log amplitude minus its moving average over q neighbours (centred, clamped at the edges)
    const half = q >> 1;
    const logA = this.logA;
    for (let i = 0; i < n; i++) logA[i] = Math.log(amp[i]! + 1e-12);
    for (let i = 0; i < n; i++) {
      let s = 0;
      let c = 0;
      for (let k = i - half; k <= i - half + q - 1; k++) {
        if (k < 0 || k >= n) continue;
        s += logA[k]!;
        c++;
      }
      const residual = logA[i]! - s / c;
      // keep the phase, replace the amplitude by exp(residual)
      const a = amp[i]!;
      const scale = a > 0 ? Math.exp(residual) / a : 0;
      re[i] = re[i]! * scale;
      im[i] = im[i]! * scale;
    }
    fft(re, im, 1);
    const sal = (i: number) => Math.hypot(re[i]!, im[i]!) / n;
    const s = sal(w - 1);
    let mean = 0;
    for (let i = w - 1 - zn; i < w - 1; i++) mean += sal(i);
    mean /= zn;
    return mean > 1e-12 ? (s - mean) / mean : 0;
  }

  update(values: ArrayLike<number>, _timeMs: number): Scored {
    const { window: w, half } = this.params;
    if (this.history.length === 0) for (let j = 0; j < values.length; j++) this.history.push(new Float64Array(w));
    this.seen++;
    let raw = 0;
    const attribution: number[] = [];
    const expected: [number, number][] = [];
    for (let j = 0; j < values.length; j++) {
      const h = this.history[j]!;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = Math.max(0, w - this.seen + 1); i < w; i++) {
        if (h[i]! < lo) lo = h[i]!;
        if (h[i]! > hi) hi = h[i]!;
      }
      h.copyWithin(0, 1);
      h[w - 1] = values[j]!;
      const r = this.seen >= w ? Math.max(0, this.saliency(h)) : 0;
      attribution.push(r);
      expected.push(lo <= hi ? [lo, hi] : [values[j]!, values[j]!]);
      if (r > raw) raw = r;
    }
    return { score: raw / (raw + half), raw, attribution, expected, detector: this.kind };
  }

  toState(): DetectorState {
    const data: SrData = { seen: this.seen, history: this.history.map((h) => Array.from(h)) };
    return { kind: this.kind, params: this.params, data };
  }

  static fromState(state: DetectorState): SpectralResidualDetector {
    const d = new SpectralResidualDetector(state.params as Partial<SrParams>);
    const data = state.data as SrData;
    d.seen = data.seen;
    d.history = data.history.map((h) => Float64Array.from(h));
    return d;
  }
}
