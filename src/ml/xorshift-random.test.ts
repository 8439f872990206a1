import { describe, expect, it } from 'vitest';
import { XORShiftRandom, murmur3BytesHash } from './xorshift-random.js';

describe('MurmurHash3 (x86, 32-bit) as Scala bytesHash', () => {
  // The published MurmurHash3_x86_32 verification vectors.
  it.each([
    [[], 0, 0],
    [[], 1, 0x514e28b7],
    [[], 0xffffffff, 0x81f16f39],
    [[0xff, 0xff, 0xff, 0xff], 0, 0x76293b50],
    [[0x21, 0x43, 0x65, 0x87], 0, 0xf55b516b],
    [[0x21, 0x43, 0x65, 0x87], 0x5082edee, 0x2362f9de],
    [[0x21, 0x43, 0x65], 0, 0x7e4a8634],
    [[0x21, 0x43], 0, 0xa0f7b07a],
    [[0x21], 0, 0x72661cf4],
    [[0, 0, 0, 0], 0, 0x2362f9de],
    [[0, 0, 0], 0, 0x85f0b427],
    [[0, 0], 0, 0x30f4c306],
    [[0], 0, 0x514e28b7],
  ])('%j seed %d', (bytes, seed, expected) => {
    expect(murmur3BytesHash(Uint8Array.from(bytes), seed) >>> 0).toBe(expected);
  });
});

describe('XORShiftRandom', () => {
  it('is deterministic per seed and different across seeds', () => {
    const a = new XORShiftRandom(42);
    const b = new XORShiftRandom(42);
    const c = new XORShiftRandom(43);
    const xs = Array.from({ length: 5 }, () => a.nextDouble());
    expect(Array.from({ length: 5 }, () => b.nextDouble())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextDouble())).not.toEqual(xs);
  });

  it('draws uniforms in [0, 1): mean, variance and a 10-bin chi-square', () => {
    const r = new XORShiftRandom(7);
    const n = 100_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const u = r.nextDouble();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      sq += u * u;
      bins[Math.floor(u * 10)]! += 1;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sq / n - sum ** 2 / n ** 2 - 1 / 12)).toBeLessThan(0.002);
    const chi2 = bins.reduce((s, b) => s + (b - n / 10) ** 2 / (n / 10), 0);
    // 99.9th percentile of chi-square with 9 degrees of freedom is 27.88.
    expect(chi2).toBeLessThan(27.88);
  });
});

describe('XORShiftRandom 32-bit halves', () => {
  it('equal the 64-bit BigInt recurrence x ^= x << 21; x ^= x >>> 35; x ^= x << 4', async () => {
    const { hashSeed } = await import('./xorshift-random.js');
    const mask = (1n << 64n) - 1n;
    for (const seed of [0, 1, 42, -7, 2 ** 40]) {
      let x = hashSeed(BigInt(seed));
      const r = new XORShiftRandom(seed);
      for (let i = 0; i < 1000; i++) {
        x ^= (x << 21n) & mask;
        x ^= x >> 35n;
        x ^= (x << 4n) & mask;
        expect(r.next(31)).toBe(Number(x & 0x7fffffffn));
      }
    }
  });
});
