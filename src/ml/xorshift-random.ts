/**
 * Spark's `org.apache.spark.util.random.XORShiftRandom`, which `randomSplit` uses per partition:
 * the seed is scrambled with Scala's MurmurHash3 `bytesHash` of its 8 big-endian bytes, each step
 * is x ^= x << 21; x ^= x >>> 35; x ^= x << 4 on 64 bits, and `nextDouble` is java.util.Random's
 * ((next(26) << 27) + next(27)) * 2^-53.
 *
 * Written from the published algorithm; not checked bit-for-bit against a running JVM (none here).
 */
const MASK64 = (1n << 64n) - 1n;

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) | 0;
}

function mixLast(hash: number, data: number): number {
  let k = Math.imul(data, 0xcc9e2d51);
  k = rotl32(k, 15);
  k = Math.imul(k, 0x1b873593);
  return hash ^ k;
}

function mix(hash: number, data: number): number {
  let h = mixLast(hash, data);
  h = rotl32(h, 13);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function avalanche(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Scala's `MurmurHash3.bytesHash(data, seed)`. */
export function murmur3BytesHash(data: Uint8Array, seed: number): number {
  let h = seed | 0;
  let i = 0;
  let len = data.length;
  while (len >= 4) {
    const k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    h = mix(h, k);
    i += 4;
    len -= 4;
  }
  let k = 0;
  if (len === 3) k ^= data[i + 2]! << 16;
  if (len >= 2) k ^= data[i + 1]! << 8;
  if (len >= 1) {
    k ^= data[i]!;
    h = mixLast(h, k);
  }
  return avalanche(h ^ data.length);
}

const ARRAY_SEED = 0x3c074a61;

export function hashSeed(seed: bigint): bigint {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, BigInt.asIntN(64, seed));
  const low = murmur3BytesHash(bytes, ARRAY_SEED);
  const high = murmur3BytesHash(bytes, low);
  return ((BigInt(high) << 32n) | (BigInt(low) & 0xffffffffn)) & MASK64;
}

export class XORShiftRandom {
  /** The 64-bit state as two unsigned 32-bit halves (BigInt per draw is ~50x slower). */
  private hi: number;
  private lo: number;

  constructor(seed: number | bigint) {
    const h = hashSeed(BigInt(seed));
    this.hi = Number(h >> 32n) >>> 0;
    this.lo = Number(h & 0xffffffffn) >>> 0;
  }

  /** java.util.Random#next(bits) for bits <= 32 over the xorshift state. */
  next(bits: number): number {
    let hi = this.hi;
    let lo = this.lo;
    // x ^= x << 21
    hi = (hi ^ ((hi << 21) | (lo >>> 11))) >>> 0;
    lo = (lo ^ (lo << 21)) >>> 0;
    // x ^= x >>> 35
    lo = (lo ^ (hi >>> 3)) >>> 0;
    // x ^= x << 4
    hi = (hi ^ ((hi << 4) | (lo >>> 28))) >>> 0;
    lo = (lo ^ (lo << 4)) >>> 0;
    this.hi = hi;
    this.lo = lo;
    return bits >= 32 ? lo | 0 : lo & ((1 << bits) - 1);
  }

  nextDouble(): number {
    return (this.next(26) * 2 ** 27 + this.next(27)) * 2 ** -53;
  }
}
