/**
 * kinesalite finds a record's shard by comparing its 128-bit hash key with every open shard's
 * range, and bignumber.js's `comparedTo` parses the range's decimal string into a new BigNumber on
 * each comparison: at 256 shards that is most of a PutRecords call's CPU (111 ms of CPU for 400
 * records, so 4,000 records a second took the emulator's whole core and left GetRecords waiting).
 * This replaces `comparedTo` in the emulator process, for an integer compared with a string of
 * digits, by a comparison of native BigInts (each string parsed once; each hash key once): the same
 * answer, a fraction of the cost. Anything else goes to the original.
 */
import { createRequire } from 'node:module';

interface BigNumberLike {
  isInteger(): boolean;
  toFixed(): string;
}
type ComparedTo = (this: BigNumberLike, y: unknown, base?: unknown) => number;

/** Makes kinesalite's bignumber.js compare integers with native BigInts; returns the function that undoes it. */
export function speedUpKinesalite(): () => void {
  const fromKinesalite = createRequire(createRequire(import.meta.url).resolve('kinesalite'));
  const BigNumber = fromKinesalite('bignumber.js') as { prototype: { comparedTo: ComparedTo } };
  const original = BigNumber.prototype.comparedTo;
  BigNumber.prototype.comparedTo = fastComparedTo(original);
  return () => {
    BigNumber.prototype.comparedTo = original;
  };
}

/** `comparedTo` that answers integer-vs-digit-string comparisons with BigInts, and the rest with `original`. */
export function fastComparedTo(original: ComparedTo): ComparedTo {
  const strings = new Map<string, bigint>();
  const numbers = new WeakMap<BigNumberLike, bigint>();
  return function comparedTo(this: BigNumberLike, y: unknown, base?: unknown): number {
    if (typeof y !== 'string' || base !== undefined || !this.isInteger()) return original.call(this, y, base);
    let other = strings.get(y);
    if (other === undefined) {
      if (!/^-?\d+$/.test(y)) return original.call(this, y, base);
      other = BigInt(y);
      if (strings.size < 100_000) strings.set(y, other);
    }
    let self = numbers.get(this);
    if (self === undefined) {
      self = BigInt(this.toFixed());
      numbers.set(this, self);
    }
    return self < other ? -1 : self > other ? 1 : 0;
  };
}
