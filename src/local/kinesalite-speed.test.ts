import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { speedUpKinesalite } from './kinesalite-speed.js';

const BigNumber = createRequire(createRequire(import.meta.url).resolve('kinesalite'))('bignumber.js') as new (v: string | number) => { comparedTo(y: unknown, base?: unknown): number };

describe('speedUpKinesalite', () => {
  it('answers every comparison as bignumber.js does: 128-bit hash keys against shard bounds, equal values, negatives, fractions and other bases', () => {
    const random = seededRandom(7);
    const digits = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 + Math.floor(random() * 9) : Math.floor(random() * 10))).join('');
    const pairs: [string, unknown, unknown?][] = [];
    for (let i = 0; i < 2_000; i++) pairs.push([digits(1 + Math.floor(random() * 39)), digits(1 + Math.floor(random() * 39))]);
    const bound = '340282366920938463463374607431768211455'; // 2^128 - 1, the last shard's end
    pairs.push([bound, bound], ['0', '0'], ['-5', '3'], ['7', '-12'], ['12', '12.5'], ['12.5', '12'], ['255', 'ff', 16], ['3', 3], ['1e3', '1000']);
    const before = pairs.map(([x, y, base]) => new BigNumber(x).comparedTo(y, base));
    const undo = speedUpKinesalite();
    try {
      const after = pairs.map(([x, y, base]) => new BigNumber(x).comparedTo(y, base));
      expect(after).toEqual(before);
      // The same number compared again (kinesalite walks the shards with one hash key): still right.
      const key = new BigNumber('170141183460469231731687303715884105728');
      expect([key.comparedTo('170141183460469231731687303715884105727'), key.comparedTo('170141183460469231731687303715884105728'), key.comparedTo(bound)]).toEqual([1, 0, -1]);
    } finally {
      undo();
    }
  });
});
