import { describe, expect, it } from 'vitest';
import { ReadSlots } from './read-slots.js';

describe('ReadSlots', () => {
  it('holds at most `size` at once and hands freed slots to waiters in order', async () => {
    const slots = new ReadSlots(2);
    const got: number[] = [];
    await slots.acquire();
    await slots.acquire();
    const waiters = [3, 4, 5].map((n) => slots.acquire().then(() => got.push(n)));
    await Promise.resolve();
    expect(got).toEqual([]);
    slots.release();
    await waiters[0];
    expect(got).toEqual([3]);
    slots.release();
    slots.release();
    await Promise.all(waiters);
    expect(got).toEqual([3, 4, 5]);
    // Both slots given back (held by 4 and 5 now): free again, taken without waiting.
    slots.release();
    slots.release();
    let immediate = 0;
    void slots.acquire().then(() => immediate++);
    void slots.acquire().then(() => immediate++);
    void slots.acquire().then(() => immediate++);
    await Promise.resolve();
    await Promise.resolve();
    expect(immediate).toBe(2);
  });
});
