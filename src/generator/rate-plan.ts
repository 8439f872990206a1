import { invalidOption } from '../errors.js';
import { parseDuration } from '../engine/window.js';

/**
 * How many records per second to produce, over time:
 * - `steady`: a constant rate (KDG's "Constant" mode);
 * - `schedule`: steps and linear ramps for load tests, `--rate 100:1m,1000:30s` or `100..1000:2m`;
 *   the run ends with the schedule;
 * - `periodic`: KDG's "Periodic" mode, a mean (mu) and spread (sigma) per hour of day and weekday;
 *   each second's count is drawn from a normal distribution, optionally with linear smoothing
 *   between hours.
 */
export type RatePlan =
  | { readonly kind: 'steady'; readonly perSecond: number }
  | { readonly kind: 'schedule'; readonly steps: readonly RampStep[] }
  | { readonly kind: 'periodic'; readonly curve: PeriodicCurve };

/** `from` to `to` records/s, linearly, over `durationMs` (a step when `from === to`). */
export interface RampStep {
  readonly from: number;
  readonly to: number;
  readonly durationMs: number;
}

export interface PeriodicCurve {
  /** `mu[weekday][hour]`, records per second; weekday 0 is Sunday (as `Date#getDay`). */
  readonly mu: readonly (readonly number[])[];
  readonly sigma: readonly (readonly number[])[];
  /** Interpolate linearly from each hour's value at hh:00 to the next hour's at hh+1:00. */
  readonly smoothing: boolean;
  /** Which clock's hour and weekday pick the point: local time (as KDG) or UTC. */
  readonly zone: 'local' | 'utc';
}

const STEP_RE = /^\s*(\d+(?:\.\d+)?)\s*(?:\.\.\s*(\d+(?:\.\d+)?))?\s*:\s*(\S+)\s*$/;

/** Reads `--rate`: `500`, or a schedule `100:1m,1000:30s`, with ramps `100..1000:2m`. */
export function parseRate(text: string, field = '--rate'): RatePlan {
  const fix = 'use records per second (e.g. 500), or a schedule of RATE:DURATION steps and FROM..TO:DURATION ramps, e.g. 100:1m,100..1000:30s,1000:1m';
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) {
    const perSecond = Number(text);
    if (!(perSecond > 0)) throw invalidOption(field, text, fix);
    return { kind: 'steady', perSecond };
  }
  const steps = text.split(',').map((part) => {
    const m = STEP_RE.exec(part);
    if (!m) throw invalidOption(field, text, `${fix} (cannot read ${JSON.stringify(part.trim())})`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    return { from, to, durationMs: parseDuration(m[3] as string, `${field} step ${JSON.stringify(part.trim())}`) };
  });
  if (steps.every((s) => s.from === 0 && s.to === 0)) throw invalidOption(field, text, 'a schedule needs at least one step with a positive rate');
  return { kind: 'schedule', steps };
}

/** Total length of a schedule, `Infinity` for the others. */
export function planDurationMs(plan: RatePlan): number {
  return plan.kind === 'schedule' ? plan.steps.reduce((sum, s) => sum + s.durationMs, 0) : Infinity;
}

/** The scheduled rate `elapsedMs` into the run (0 after the end). */
export function scheduleRate(steps: readonly RampStep[], elapsedMs: number): number {
  let t = elapsedMs;
  for (const s of steps) {
    if (t < s.durationMs) return s.from + ((s.to - s.from) * t) / s.durationMs;
    t -= s.durationMs;
  }
  return 0;
}

/** The curve's mean and spread at epoch ms `at`. */
export function curvePoint(curve: PeriodicCurve, at: number): { mu: number; sigma: number } {
  const d = new Date(at);
  const utc = curve.zone === 'utc';
  const day = utc ? d.getUTCDay() : d.getDay();
  const hour = utc ? d.getUTCHours() : d.getHours();
  const mu = (curve.mu[day] as readonly number[])[hour] as number;
  const sigma = (curve.sigma[day] as readonly number[])[hour] as number;
  if (!curve.smoothing) return { mu, sigma };
  const minutes = (utc ? d.getUTCMinutes() : d.getMinutes()) + (utc ? d.getUTCSeconds() : d.getSeconds()) / 60;
  const nextDay = hour === 23 ? (day + 1) % 7 : day;
  const nextHour = (hour + 1) % 24;
  const f = minutes / 60;
  const muNext = (curve.mu[nextDay] as readonly number[])[nextHour] as number;
  const sigmaNext = (curve.sigma[nextDay] as readonly number[])[nextHour] as number;
  return { mu: mu + (muNext - mu) * f, sigma: sigma + (sigmaNext - sigma) * f };
}

export { seededRandom } from '../random.js';

/** A standard normal draw (polar Box-Muller, as KDG). */
export function normal(random: () => number): number {
  for (;;) {
    const u = 2 * random() - 1;
    const v = 2 * random() - 1;
    const r = u * u + v * v;
    if (r > 0 && r < 1) return v * Math.sqrt((-2 * Math.log(r)) / r);
  }
}

/**
 * The records/s to produce during the second that contains `at` (epoch ms of the generator's
 * clock, simulated or real) `elapsedMs` into the run. Periodic draws are made once per second
 * and kept, so asking twice within a second gives the same answer.
 */
export function rateFunction(plan: RatePlan, random: () => number): (at: number, elapsedMs: number) => number {
  switch (plan.kind) {
    case 'steady':
      return () => plan.perSecond;
    case 'schedule':
      return (_at, elapsedMs) => scheduleRate(plan.steps, elapsedMs);
    case 'periodic': {
      let second = NaN;
      let value = 0;
      return (at) => {
        const s = Math.floor(at / 1000);
        if (s !== second) {
          second = s;
          const { mu, sigma } = curvePoint(plan.curve, at);
          value = Math.max(0, mu + sigma * normal(random));
        }
        return value;
      };
    }
  }
}
