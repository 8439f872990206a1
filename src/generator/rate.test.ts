import { describe, expect, it } from 'vitest';
import { pace, type Clock } from './rate.js';

/** A clock that only moves when slept on (or when a test moves it). */
function fakeClock(): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

async function collect(it: AsyncIterable<number>, each?: (n: number) => void): Promise<number[]> {
  const out: number[] = [];
  for await (const n of it) {
    out.push(n);
    each?.(n);
  }
  return out;
}

describe('pace', () => {
  it('releases rate x tick records per tick and stops at the count', async () => {
    const clock = fakeClock();
    expect(await collect(pace({ ratePerSecond: 1000, tickMs: 100, count: 250, clock }))).toEqual([100, 100, 50]);
    expect(clock.t).toBe(300);
  });

  it('releases exactly the records due within a duration', async () => {
    const clock = fakeClock();
    const ticks = await collect(pace({ ratePerSecond: 50, tickMs: 100, durationMs: 1000, clock }));
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(50);
    expect(ticks.every((n) => n === 5)).toBe(true);
    expect(clock.t).toBe(1000);
  });

  it('sleeps until the next token at low rates instead of spinning', async () => {
    const clock = fakeClock();
    const ticks = await collect(pace({ ratePerSecond: 2, tickMs: 100, durationMs: 3000, clock }));
    expect(ticks).toEqual([1, 1, 1, 1, 1, 1]);
    expect(clock.sleeps.length).toBeLessThanOrEqual(7);
  });

  it('keeps a fractional rate on average', async () => {
    const clock = fakeClock();
    const ticks = await collect(pace({ ratePerSecond: 33, tickMs: 100, durationMs: 10_000, clock }));
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(330);
  });

  it('catches up after a stall, but no more than the burst', async () => {
    const clock = fakeClock();
    const ticks = await collect(
      pace({ ratePerSecond: 100, tickMs: 100, count: 400, burst: 150, clock }),
      (n) => {
        if (n === 10 && clock.t === 100) clock.t += 5000; // the consumer stalls for 5 s
      },
    );
    expect(ticks.slice(0, 2)).toEqual([10, 150]);
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('stops when the signal aborts', async () => {
    const clock = fakeClock();
    const ac = new AbortController();
    const ticks = await collect(pace({ ratePerSecond: 100, tickMs: 100, signal: ac.signal, clock }), () => {
      if (clock.t >= 300) ac.abort();
    });
    expect(ticks).toEqual([10, 10, 10]);
  });

  it('holds the rate on the real clock', async () => {
    const t0 = performance.now();
    const ticks = await collect(pace({ ratePerSecond: 200, tickMs: 50, count: 100 }));
    const elapsed = performance.now() - t0;
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(100);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(900);
  });

  it('rejects a bad rate with the fix', async () => {
    await expect(() => pace({ ratePerSecond: 0 }).next()).rejects.toThrowError(/Invalid rate: 0\. Fix: use a positive number/);
  });
});
