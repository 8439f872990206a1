/**
 * kinesalite spends its CPU in three places that a profile of `bench scale case=load` (256 shards,
 * 4,000 records/s) shows and that no option turns off. This module mends each in the emulator
 * process, with the same answers as the original:
 *
 * 1. **Shard lookup.** To place a record, kinesalite compares its 128-bit hash key with every open
 *    shard's range, and bignumber.js's `comparedTo` parses the range's decimal string into a new
 *    BigNumber on each comparison (111 ms of CPU for 400 records at 256 shards). Integer-vs-digit-
 *    string comparisons are answered with native BigInts instead (each string parsed once).
 * 2. **Sequence numbers.** Every record written and every record read goes through
 *    `parseSequence`/`stringifySequence`, which convert a 185-bit number between bases with
 *    bignumber.js: a third of the emulator's CPU under load. The current (version 2) format is
 *    converted with BigInts; older formats and anything unusual go to the original.
 *    A partition key's hash key is made from decimal digits instead of hex, for the same reason.
 * 3. **The stream description on each read.** GetRecords decodes the whole stream description
 *    (every shard's ranges, as JSON) from its store on each call, though it only reads it. GetRecords
 *    alone reads it through a cache that any write of the description clears; every other action
 *    reads the store as before (some change the object they are given).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

interface BigNumberLike {
  isInteger(): boolean;
  toFixed(): string;
}
type ComparedTo = (this: BigNumberLike, y: unknown, base?: unknown) => number;
type Callback = (err: unknown, value?: unknown) => void;

/** What this module uses of kinesalite's `db` module (all its callers go through these properties). */
interface KinesaliteDb {
  parseSequence(seq: unknown): SequenceParts;
  stringifySequence(parts: SequenceParts): string;
  incrementSequence(seq: SequenceParts | string, seqTime?: number | null): string;
  shardIxToHex(shardIx: number | undefined): string;
  partitionKeyToHashKey(partitionKey: string): BigNumberLike;
}

export interface SequenceParts {
  shardCreateTime: number;
  shardIx?: number;
  seqIx?: number | string;
  seqTime?: number;
  byte1?: string;
  seqRand?: string;
  version?: number | null;
}

interface Store {
  metaDb: MetaDb;
  getStream(name: string, cb: Callback): void;
}
type MetaDb = Record<'put' | 'del' | 'batch', (...args: unknown[]) => unknown>;
type GetRecords = (store: Store, data: unknown, cb: Callback) => void;

/**
 * Applies the three mends to kinesalite in this process; returns the function that undoes them.
 * Must run before kinesalite is first loaded (the read cache is installed where its server looks up
 * GetRecords): throws otherwise rather than leave GetRecords uncached.
 */
export function speedUpKinesalite(): () => void {
  const requireHere = createRequire(import.meta.url);
  const main = requireHere.resolve('kinesalite');
  if (requireHere.cache[main]) throw new Error('speedUpKinesalite must run before kinesalite is loaded: its server has already read its actions');
  const fromKinesalite = createRequire(main);
  const BigNumber = fromKinesalite('bignumber.js') as { new (value: string): BigNumberLike; prototype: { comparedTo: ComparedTo } };
  const db = fromKinesalite('./db') as KinesaliteDb;
  const getRecordsPath = fromKinesalite.resolve('./actions/getRecords');
  const getRecords = fromKinesalite(getRecordsPath) as GetRecords;
  const module = fromKinesalite.cache[getRecordsPath]!;

  const { comparedTo } = BigNumber.prototype;
  const { parseSequence, stringifySequence, incrementSequence, partitionKeyToHashKey } = db;
  BigNumber.prototype.comparedTo = fastComparedTo(comparedTo);
  Object.assign(db, fastSequences(db), { partitionKeyToHashKey: (key: string) => new BigNumber(hashKeyOf(key)) });
  module.exports = withCachedStream(getRecords);
  return () => {
    BigNumber.prototype.comparedTo = comparedTo;
    Object.assign(db, { parseSequence, stringifySequence, incrementSequence, partitionKeyToHashKey });
    module.exports = getRecords;
  };
}

/**
 * `comparedTo` that answers integer-vs-digit-string comparisons with BigInts, and the rest with
 * `original`. kinesalite compares one hash key with shard after shard, so the last number's BigInt
 * is kept beside the map.
 */
export function fastComparedTo(original: ComparedTo): ComparedTo {
  const strings = new Map<string, bigint>();
  const numbers = new WeakMap<BigNumberLike, bigint>();
  let last: BigNumberLike | undefined;
  let lastValue = 0n;
  const compare = (x: BigNumberLike, y: string): number | undefined => {
    let self: bigint | undefined = lastValue;
    if (x !== last) {
      self = numbers.get(x);
      if (self === undefined) {
        if (!x.isInteger()) return undefined;
        self = BigInt(x.toFixed());
        numbers.set(x, self);
      }
      last = x;
      lastValue = self;
    }
    let other = strings.get(y);
    if (other === undefined) {
      if (!/^-?\d+$/.test(y)) return undefined;
      other = BigInt(y);
      if (strings.size < 100_000) strings.set(y, other);
    }
    return self < other ? -1 : self > other ? 1 : 0;
  };
  return function comparedTo(this: BigNumberLike, y: unknown, base?: unknown): number {
    if (typeof y !== 'string' || base !== undefined) return original.call(this, y, base);
    return compare(this, y) ?? original.call(this, y, base);
  };
}

/**
 * A partition key's 128-bit hash key (the MD5 of its UTF-8 bytes, as Kinesis does) in decimal:
 * bignumber.js reads decimal without the base conversion that kinesalite's hex string costs it.
 */
export function hashKeyOf(partitionKey: string): string {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`).toString();
}

const POW_2_124 = 1n << 124n;
const POW_2_129 = 1n << 129n; // kinesalite's POW_2_124_NEXT: 2^125 * 16
const POW_2_185 = 1n << 185n;
const POW_2_185_NEXT = (POW_2_185 * 3n) / 2n;
const DIGITS = /^\d{1,80}$/;
const HEX = /^[0-9a-f]+$/;
const pad = (zeros: string, s: string, width: number) => (zeros + s).slice(-width);

/**
 * kinesalite's sequence-number functions over `db`, with the version-2 format (the one it writes)
 * converted by BigInts. The layout is kinesalite's: '2', shard creation seconds (9 hex), the shard
 * index's last hex digit, the sequence index (16 hex), a byte, the record's seconds (9 hex), the shard
 * index (8 hex), '2'. Any other input is handed to the original, which also throws its own errors.
 */
export function fastSequences(db: KinesaliteDb): Pick<KinesaliteDb, 'parseSequence' | 'stringifySequence' | 'incrementSequence'> {
  const slowParse = db.parseSequence;
  const slowStringify = db.stringifySequence;
  const parseSequence = (seq: unknown): SequenceParts => {
    if (typeof seq !== 'string' || !DIGITS.test(seq)) return slowParse(seq);
    let n = BigInt(seq);
    if (n < POW_2_124) n += POW_2_124;
    if (n < POW_2_129 || !(n > POW_2_185 && n < POW_2_185_NEXT)) return slowParse(seq);
    const hex = n.toString(16);
    if (hex.at(-1) !== '2') return slowParse(seq);
    const seqIxHex = hex.slice(11, 27);
    let shardIxHex = hex.slice(38, 46);
    const shardCreateSecs = parseInt(hex.slice(1, 10), 16);
    if (parseInt(seqIxHex[0]!, 16) > 7 || shardCreateSecs >= 16025175000) return slowParse(seq);
    if (parseInt(shardIxHex[0]!, 16) > 7) shardIxHex = `-${shardIxHex}`;
    return {
      shardCreateTime: shardCreateSecs * 1000,
      seqIx: BigInt(`0x${seqIxHex}`).toString(),
      byte1: hex.slice(27, 29),
      seqTime: parseInt(hex.slice(29, 38), 16) * 1000,
      shardIx: parseInt(shardIxHex, 16),
      version: 2,
    };
  };
  const stringifySequence = (parts: SequenceParts): string => {
    const { shardIx, seqIx, version } = parts;
    const plainIx = shardIx === undefined || (Number.isInteger(shardIx) && shardIx >= 0);
    const plainSeqIx = seqIx === undefined || (typeof seqIx === 'number' ? Number.isSafeInteger(seqIx) && seqIx >= 0 : DIGITS.test(seqIx));
    const plainTimes = parts.shardCreateTime >= 0 && (parts.seqTime === undefined || parts.seqTime >= 0);
    if ((version != null && version !== 2) || !plainIx || !plainSeqIx || !plainTimes) return slowStringify(parts);
    const hex = [
      '2',
      pad('00000000', Math.floor(parts.shardCreateTime / 1000).toString(16), 9),
      (shardIx || 0).toString(16).slice(-1),
      pad('0000000000000000', BigInt(seqIx || 0).toString(16), 16),
      parts.byte1 || '00',
      pad('00000000', Math.floor((parts.seqTime || parts.shardCreateTime) / 1000).toString(16), 9),
      db.shardIxToHex(shardIx),
      '2',
    ].join('');
    return HEX.test(hex) ? BigInt(`0x${hex}`).toString() : slowStringify(parts);
  };
  const incrementSequence = (seq: SequenceParts | string, seqTime?: number | null): string => {
    const parts = typeof seq === 'string' ? parseSequence(seq) : seq;
    return stringifySequence({ shardCreateTime: parts.shardCreateTime, seqIx: parts.seqIx, seqTime: seqTime || parts.seqTime! + 1000, shardIx: parts.shardIx });
  };
  return { parseSequence, stringifySequence, incrementSequence };
}

/**
 * GetRecords with the stream description read through a cache per store. A write to the
 * description store (put, del or batch) empties the cache and bumps a generation, so a read that
 * raced with a write is not kept.
 */
export function withCachedStream(getRecords: GetRecords): GetRecords {
  const caches = new WeakMap<MetaDb, { generation: number; streams: Map<string, unknown> }>();
  const cacheOf = (metaDb: MetaDb) => {
    let cache = caches.get(metaDb);
    if (!cache) {
      const made = { generation: 0, streams: new Map<string, unknown>() };
      for (const method of ['put', 'del', 'batch'] as const) {
        const write = metaDb[method];
        metaDb[method] = function (this: unknown, ...args: unknown[]) {
          made.generation++;
          made.streams.clear();
          return write.apply(this, args);
        };
      }
      caches.set(metaDb, made);
      cache = made;
    }
    return cache;
  };
  return function cachedGetRecords(store, data, cb) {
    const cache = cacheOf(store.metaDb);
    const view: Store = Object.create(store, {
      getStream: {
        value(name: string, done: Callback) {
          if (cache.streams.has(name)) return process.nextTick(done, null, cache.streams.get(name));
          const generation = cache.generation;
          store.getStream(name, (err, stream) => {
            if (!err && cache.generation === generation) cache.streams.set(name, stream);
            done(err, stream);
          });
        },
      },
    });
    getRecords(view, data, cb);
  };
}
