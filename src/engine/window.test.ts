import { describe, expect, it } from 'vitest';
import { closedPane, paneOf, parseDuration, planWindow } from './window.js';

describe('planWindow', () => {
  it('plans the seed window: 20 s sliding by the 1 s batch interval', () => {
    expect(planWindow({ kind: 'sliding', lengthMs: 20_000 }, 1000)).toEqual({ windowed: true, slideMs: 1000, panes: 20, lengthMs: 20_000, batchIntervalMs: 1000 });
  });
  it('plans tumbling windows as slide = length', () => {
    expect(planWindow({ kind: 'tumbling', lengthMs: 60_000 }, 100)).toEqual({ windowed: true, slideMs: 60_000, panes: 1, lengthMs: 60_000, batchIntervalMs: 100 });
  });
  it('plans a sliding window with a slide of several batches', () => {
    expect(planWindow({ kind: 'sliding', lengthMs: 10_000, slideMs: 5_000 }, 1000)).toEqual({ windowed: true, slideMs: 5000, panes: 2, lengthMs: 10_000, batchIntervalMs: 1000 });
  });
  it('refuses a length that is not a whole number of slides', () => {
    expect(() => planWindow({ kind: 'sliding', lengthMs: 10_000, slideMs: 3_000 }, 1000)).toThrow(/window.slide: 3000.*whole number of slides/);
  });
  it('refuses lengths that are not multiples of the batch interval, and slides longer than the window', () => {
    expect(() => planWindow({ kind: 'sliding', lengthMs: 1500 }, 1000)).toThrow(/window.length: 1500.*multiple of the batch interval \(1000 ms\)/);
    expect(() => planWindow({ kind: 'sliding', lengthMs: 2000, slideMs: 3000 }, 1000)).toThrow(/window.slide/);
  });
});

describe('panes in time', () => {
  const plan = planWindow({ kind: 'sliding', lengthMs: 4000, slideMs: 2000 }, 1000);
  it('puts a batch in the slide of its time, not its count', () => {
    expect([0, 999, 1000, 1999, 2000, 5500].map((t) => paneOf(plan, t))).toEqual([0, 0, 0, 0, 1, 2]);
  });
  it('closes a pane with its last batch, or at once on a final batch', () => {
    expect([0, 1000, 1500, 2000, 3000].map((t) => closedPane(plan, t))).toEqual([-1, 0, 0, 0, 1]);
    expect(closedPane(plan, 2000, true)).toBe(1);
  });
  it('a late batch still closes every pane its time has passed (a slow batch does not stretch the window)', () => {
    // Batches at 1000 then, after a 7 s stall, at 8000: panes 1, 2 and 3 closed meanwhile.
    expect(closedPane(plan, 8000)).toBe(3);
  });
});

describe('parseDuration', () => {
  it.each([
    ['100ms', 100],
    ['20s', 20_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    [250, 250],
    ['750', 750],
  ])('%j -> %d ms', (input, ms) => expect(parseDuration(input, 'x')).toBe(ms));
  it('names the field and the fix for nonsense', () => {
    expect(() => parseDuration('soon', 'batchInterval')).toThrow(/Invalid batchInterval: "soon".*"20s"/);
    expect(() => parseDuration(-1, 'batchInterval')).toThrow(/positive/);
  });
});
