import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { decodeKeyedChunks, encodeKeyedChunks, type KeyedEntry } from './keyed-chunks.js';

describe('keyed state chunks', () => {
  it('round-trips entries of any size, each chunk under the limit, a large key spanning chunks', () => {
    // Random numbers gzip poorly, so a big key's block is larger than a chunk.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const entries: KeyedEntry[] = [
      ['anomaly', 'small', { n: 1 }],
      ['anomaly', 'big', { points: Array.from({ length: 60_000 }, () => rnd()) }],
      ...Array.from({ length: 500 }, (_, i): KeyedEntry => ['other', `k${i}`, { w: [rnd(), rnd()], s: 'line\nbreak' }]),
    ];
    const chunks = [...encodeKeyedChunks(entries, 50_000)];
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(50_000);
    expect([...decodeKeyedChunks(chunks, 'test')]).toEqual(entries);
  });

  it('writes nothing for no entries and reads nothing back', () => {
    expect([...encodeKeyedChunks([])]).toEqual([]);
    expect([...decodeKeyedChunks([], 'test')]).toEqual([]);
  });

  it('a missing chunk is a torn-state error, not garbage', () => {
    const entries: KeyedEntry[] = Array.from({ length: 200 }, (_, i) => ['h', `k${i}`, { v: Array.from({ length: 200 }, (_, j) => Math.sin(i * j)) }]);
    const chunks = [...encodeKeyedChunks(entries, 20_000)];
    expect(chunks.length).toBeGreaterThan(2);
    expect(() => [...decodeKeyedChunks(chunks.slice(0, -1), 'v1 of shard s')]).toThrow(SluiceError);
    expect(() => [...decodeKeyedChunks(chunks.slice(0, -1), 'v1 of shard s')]).toThrow(/torn/);
  });
});
