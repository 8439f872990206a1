import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { curvePoint, normal, parseRate, planDurationMs, rateFunction, scheduleRate, seededRandom, type PeriodicCurve } from './rate-plan.js';
import { parsePeriodicCurve } from './periodic-curve.js';
import { pace, type Clock } from './rate.js';

function fakeClock(): Clock {
  let t = 0;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
}

describe('parseRate', () => {
  it('reads a steady rate, steps and ramps', () => {
    expect(parseRate('250')).toEqual({ kind: 'steady', perSecond: 250 });
    const plan = parseRate('100:1m,1000:30s,1000..0:10s');
    expect(plan).toEqual({
      kind: 'schedule',
      steps: [
        { from: 100, to: 100, durationMs: 60_000 },
        { from: 1000, to: 1000, durationMs: 30_000 },
        { from: 1000, to: 0, durationMs: 10_000 },
      ],
    });
    expect(planDurationMs(plan)).toBe(100_000);
  });

  it('names the part it cannot read and the fix', () => {
    expect(() => parseRate('100:1m,fast:30s')).toThrowError(/Invalid --rate: "100:1m,fast:30s"\. Fix: .*cannot read "fast:30s"/);
    expect(() => parseRate('0')).toThrowError(SluiceError);
    expect(() => parseRate('100:-1s')).toThrowError(/--rate step/);
  });
});

describe('schedules', () => {
  it('steps and ramps linearly, and is 0 after the end', () => {
    const steps = [{ from: 10, to: 10, durationMs: 1000 }, { from: 0, to: 100, durationMs: 1000 }];
    expect(scheduleRate(steps, 500)).toBe(10);
    expect(scheduleRate(steps, 1500)).toBe(50);
    expect(scheduleRate(steps, 1999)).toBeCloseTo(99.9);
    expect(scheduleRate(steps, 2000)).toBe(0);
  });

  it('paces a step schedule: the records of each step follow its rate', async () => {
    const plan = parseRate('100:2s,1000:1s');
    const rate = rateFunction(plan, Math.random);
    const counts: number[] = [];
    const clock = fakeClock();
    for await (const n of pace({ ratePerSecond: (e) => rate(0, e), durationMs: planDurationMs(plan), clock })) counts.push(n);
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(1195);
    expect(total).toBeLessThanOrEqual(1200);
    // the first 2 s (20 ticks) at 100/s, then 1000/s
    expect(counts.slice(0, 20).reduce((a, b) => a + b, 0)).toBe(200);
    expect(counts.slice(21)).toContain(100);
  });
});

describe('periodic curves', () => {
  const curve: PeriodicCurve = parsePeriodicCurve({ mu: { default: Array.from({ length: 24 }, (_, h) => h * 10), sun: 5 }, sigma: 2, smoothing: true, zone: 'utc' });

  it('reads mu and sigma per hour and weekday, and names a bad field', () => {
    expect(curve.mu[1]![3]).toBe(30);
    expect(curve.mu[0]![3]).toBe(5);
    expect(curve.sigma[6]![23]).toBe(2);
    expect(() => parsePeriodicCurve({ mu: [1, 2, 3] })).toThrowError(/Invalid rate curve: mu: \[1,2,3\]\. Fix: use one number, or a list of 24 numbers/);
    expect(() => parsePeriodicCurve({ mu: { mon: 1 } })).toThrowError(/mu\.sun.*give rate curve: mu\.sun or rate curve: mu\.default/);
    expect(() => parsePeriodicCurve({ mu: 1, smooth: true })).toThrowError(/smooth.*the keys are mu, sigma, smoothing and zone/);
  });

  it('smooths linearly from each hour to the next, across midnight and weekdays', () => {
    const mon = Date.UTC(2024, 0, 1); // a Monday
    expect(curvePoint(curve, mon + 3 * 3_600_000).mu).toBe(30);
    expect(curvePoint(curve, mon + 3.5 * 3_600_000).mu).toBe(35);
    // Saturday 23:30 -> halfway to Sunday 00:00 (5)
    const sat = Date.UTC(2024, 0, 6, 23, 30);
    expect(curvePoint(curve, sat).mu).toBeCloseTo((230 + 5) / 2);
    expect(curvePoint({ ...curve, smoothing: false }, mon + 3.5 * 3_600_000).mu).toBe(30);
  });

  it('draws each second from a normal distribution with the curve mean and spread', () => {
    const rate = rateFunction({ kind: 'periodic', curve: parsePeriodicCurve({ mu: 50, sigma: 5, zone: 'utc' }) }, seededRandom(3));
    const xs = Array.from({ length: 5000 }, (_, i) => rate(i * 1000, 0));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeGreaterThan(49.5);
    expect(mean).toBeLessThan(50.5);
    expect(sd).toBeGreaterThan(4.6);
    expect(sd).toBeLessThan(5.4);
    // the same second asked twice gives the same draw
    expect(rate(1234, 0)).toBe(rate(1999, 0));
    const z = Array.from({ length: 2000 }, () => normal(seededRandom(9)));
    expect(new Set(z).size).toBe(1); // same seed, same first draw
  });
});
