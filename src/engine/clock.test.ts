import { describe, expect, it } from 'vitest';
import { ProcessingTime, type Clock } from './clock.js';

function manual(): Clock & { wall: number; mono: number } {
  const c = { wall: 1_000_000, mono: 0, monotonicMs: () => c.mono, wallMs: () => c.wall };
  return c;
}

describe('processing time', () => {
  it('follows the wall clock, keeps counting at the monotonic pace when the wall clock steps back, and follows a step forward', () => {
    const c = manual();
    const t = new ProcessingTime(c);
    c.wall += 100;
    c.mono += 100;
    expect(t.now()).toBe(1_000_100);
    c.wall -= 3_600_000; // stepped back one hour
    c.mono += 50;
    c.wall += 50;
    expect(t.now()).toBe(1_000_150);
    c.mono += 200;
    c.wall += 200;
    expect(t.now()).toBe(1_000_350);
    c.wall += 7_200_000; // stepped forward past where it was
    c.mono += 10;
    expect(t.now()).toBe(c.wall);
  });
});
