import { describe, expect, it } from 'vitest';
import { parseDuration, planWindow } from './window.js';

describe('planWindow', () => {
  it('plans the seed window: 20 s sliding by the 1 s batch interval', () => {
    expect(planWindow({ kind: 'sliding', lengthMs: 20_000 }, 1000)).toEqual({ every: 1, spanBatches: 20, lengthMs: 20_000 });
  });
  it('plans tumbling windows as slide = length', () => {
    expect(planWindow({ kind: 'tumbling', lengthMs: 60_000 }, 100)).toEqual({ every: 600, spanBatches: 600, lengthMs: 60_000 });
  });
  it('plans a sliding window with a slide of several batches', () => {
    expect(planWindow({ kind: 'sliding', lengthMs: 10_000, slideMs: 5_000 }, 1000)).toEqual({ every: 5, spanBatches: 10, lengthMs: 10_000 });
  });
  it('refuses lengths that are not multiples of the batch interval, and slides longer than the window', () => {
    expect(() => planWindow({ kind: 'sliding', lengthMs: 1500 }, 1000)).toThrow(/window.length: 1500.*multiple of the batch interval \(1000 ms\)/);
    expect(() => planWindow({ kind: 'sliding', lengthMs: 2000, slideMs: 3000 }, 1000)).toThrow(/window.slide/);
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
