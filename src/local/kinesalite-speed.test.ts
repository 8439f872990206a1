import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand, SplitShardCommand, DescribeStreamSummaryCommand, CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../aws/clients.js';
import { seededRandom } from '../random.js';
import { fastSequences, hashKeyOf, speedUpKinesalite, withCachedStream, type SequenceParts } from './kinesalite-speed.js';

const fromKinesalite = createRequire(createRequire(import.meta.url).resolve('kinesalite'));
const BigNumber = fromKinesalite('bignumber.js') as new (v: string | number, base?: number) => { comparedTo(y: unknown, base?: unknown): number; toFixed(): string };
const db = fromKinesalite('./db') as Parameters<typeof fastSequences>[0] & { partitionKeyToHashKey(key: string): { toFixed(): string } };

/** What a function gives or throws, so answers and errors compare alike. */
const outcome = <T,>(f: () => T): { value: T } | { error: string } => {
  try {
    return { value: f() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe('speedUpKinesalite', () => {
  let undo: () => void;
  beforeAll(() => {
    undo = speedUpKinesalite();
  });
  afterAll(() => undo());

  it('answers every comparison as bignumber.js does: 128-bit hash keys against shard bounds, equal values, negatives, fractions and other bases', () => {
    const random = seededRandom(7);
    const digits = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 + Math.floor(random() * 9) : Math.floor(random() * 10))).join('');
    const pairs: [string, unknown, unknown?][] = [];
    for (let i = 0; i < 2_000; i++) pairs.push([digits(1 + Math.floor(random() * 39)), digits(1 + Math.floor(random() * 39))]);
    const bound = '340282366920938463463374607431768211455'; // 2^128 - 1, the last shard's end
    pairs.push([bound, bound], ['0', '0'], ['-5', '3'], ['7', '-12'], ['12', '12.5'], ['12.5', '12'], ['255', 'ff', 16], ['3', 3], ['1e3', '1000']);
    undo();
    const before = pairs.map(([x, y, base]) => new BigNumber(x).comparedTo(y, base));
    undo = speedUpKinesalite();
    const after = pairs.map(([x, y, base]) => new BigNumber(x).comparedTo(y, base));
    expect(after).toEqual(before);
    // One number compared with many bounds in a row (kinesalite walks the shards with one hash key), then another.
    const key = new BigNumber('170141183460469231731687303715884105728');
    expect([key.comparedTo('170141183460469231731687303715884105727'), key.comparedTo('170141183460469231731687303715884105728'), key.comparedTo(bound)]).toEqual([1, 0, -1]);
    const half = new BigNumber('12.5');
    expect([half.comparedTo('12'), key.comparedTo('12'), half.comparedTo('13')]).toEqual([1, 1, -1]);
  });

  it('makes and reads sequence numbers as kinesalite does, and hands other formats and bad input to it (same answers, same errors)', () => {
    undo();
    const slow = { parseSequence: db.parseSequence, stringifySequence: db.stringifySequence, incrementSequence: db.incrementSequence };
    undo = speedUpKinesalite();
    const fast = fastSequences({ ...db, ...slow });
    const random = seededRandom(11);
    const int = (max: number) => Math.floor(random() * max);
    const parts: SequenceParts[] = [];
    for (let i = 0; i < 3_000; i++) {
      parts.push({
        shardCreateTime: int(2 ** 33) * 1000 + (i % 3 === 0 ? int(1000) : 0),
        shardIx: i % 10 === 0 ? undefined : int(i % 2 ? 2 ** 31 : 300),
        seqIx: i % 7 === 0 ? undefined : i % 2 ? int(2 ** 40) : String(BigInt(int(2 ** 31)) * 2n ** 32n + BigInt(int(2 ** 32))),
        seqTime: i % 5 === 0 ? undefined : int(2 ** 33) * 1000,
        ...(i % 4 === 0 ? { byte1: int(256).toString(16).padStart(2, '0') } : {}),
      });
    }
    parts.push({ shardCreateTime: 0 }, { shardCreateTime: 1_600_000_000_000, shardIx: -1 }, { shardCreateTime: 1_600_000_000_000, seqIx: '1.5' }, { shardCreateTime: 1_600_000_000_000, version: 1, seqRand: 'abcdef0123456789'.slice(0, 14) }, { shardCreateTime: 1_600_000_000_000, version: 0 }, { shardCreateTime: Number.NaN });
    const made = parts.map((p) => outcome(() => slow.stringifySequence({ ...p })));
    expect(parts.map((p) => outcome(() => fast.stringifySequence({ ...p })))).toEqual(made);

    const sequences: unknown[] = made.flatMap((m) => ('value' in m ? [m.value] : []));
    sequences.push('0', '1', '123', '', 'abc', '1.5', '-3', 5, '9'.repeat(60), '49590338271490256608559692538361571095921575989136588898', '21269319989652663814458848515492872193');
    expect(sequences.map((s) => outcome(() => fast.parseSequence(s)))).toEqual(sequences.map((s) => outcome(() => slow.parseSequence(s))));
    const written = sequences.filter((s): s is string => typeof s === 'string' && !('error' in outcome(() => slow.parseSequence(s))));
    expect(written.length).toBeGreaterThan(2_500);
    expect(written.map((s) => outcome(() => fast.incrementSequence(s)))).toEqual(written.map((s) => outcome(() => slow.incrementSequence(s))));
    expect(written.map((s) => outcome(() => fast.incrementSequence(slow.parseSequence(s), 1_700_000_000_000)))).toEqual(written.map((s) => outcome(() => slow.incrementSequence(slow.parseSequence(s), 1_700_000_000_000))));
  });

  it('hashes partition keys to the numbers kinesalite does', () => {
    const keys = ['', 'a', 'user-42', 'ключ', '🙂', 'x'.repeat(256), ...Array.from({ length: 500 }, (_, i) => `k${i * 7919}`)];
    expect(keys.map((k) => new BigNumber(hashKeyOf(k)).toFixed())).toEqual(keys.map((k) => new BigNumber(createRequire(import.meta.url)('node:crypto').createHash('md5').update(k, 'utf8').digest('hex'), 16).toFixed()));
    expect(db.partitionKeyToHashKey('user-42').toFixed()).toBe(hashKeyOf('user-42'));
  });

  it('GetRecords reads a stream description once until the description is written, and keeps no read that raced a write', async () => {
    const metaDb = { put: (_k: string, _v: unknown, cb: () => void) => cb(), del: () => undefined, batch: () => undefined };
    let reads = 0;
    let pending: (() => void) | undefined;
    const store = {
      metaDb,
      getStream(name: string, cb: (err: unknown, value?: unknown) => void) {
        const read = { name, read: ++reads };
        pending = () => cb(null, read);
      },
    };
    const seen: unknown[] = [];
    const getRecords = withCachedStream((view, _data, cb) => view.getStream('s', (err, stream) => (seen.push(stream), cb(err, stream))));
    const call = () => new Promise((resolve) => getRecords(store as never, {}, resolve));
    const settle = async (p: Promise<unknown>) => {
      pending?.();
      pending = undefined;
      await p;
    };
    await settle(call());
    await settle(call()); // served from the cache
    expect(reads).toBe(1);
    metaDb.put('s', {}, () => undefined); // a write empties it
    await settle(call());
    expect(reads).toBe(2);
    metaDb.put('s', {}, () => undefined);
    const racing = call(); // read started, then a write lands before it answers
    metaDb.put('s', {}, () => undefined);
    await settle(racing);
    await settle(call());
    expect(reads).toBe(4);
    expect(seen.map((s) => (s as { read: number }).read)).toEqual([1, 1, 2, 3, 4]);
  });

  it('a real kinesalite with the mends: records read back in order, and a split closes its parent shard for a reader that read the stream before', async () => {
    const kinesalite = (await import('kinesalite')).default as (o: object) => Server;
    const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { kinesis } = createAwsClients({ kinesisEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, faults: [] });
    try {
      const StreamName = `speed-${Date.now()}`;
      await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 4 }));
      while ((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 20));
      const shards = (await kinesis.send(new ListShardsCommand({ StreamName }))).Shards!;
      const put = await kinesis.send(new PutRecordsCommand({ StreamName, Records: Array.from({ length: 200 }, (_, i) => ({ PartitionKey: `p${i}`, Data: Buffer.from(String(i)) })) }));
      expect(put.FailedRecordCount).toBe(0);
      const read = new Map<string, string[]>();
      let parentIterator = '';
      for (const shard of shards) {
        let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
        const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
        read.set(shard.ShardId!, got.Records!.map((r) => r.SequenceNumber!));
        iterator = got.NextShardIterator!;
        if (shard === shards[0]) parentIterator = iterator;
      }
      const written = new Map<string, string[]>();
      for (const r of put.Records!) written.set(r.ShardId!, [...(written.get(r.ShardId!) ?? []), r.SequenceNumber!]);
      expect(read).toEqual(written);

      const [start, end] = [BigInt(shards[0]!.HashKeyRange!.StartingHashKey!), BigInt(shards[0]!.HashKeyRange!.EndingHashKey!)];
      await kinesis.send(new SplitShardCommand({ StreamName, ShardToSplit: shards[0]!.ShardId!, NewStartingHashKey: ((start + end) / 2n).toString() }));
      while ((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 20));
      // The parent is closed now; reading on from where the first read stopped must reach its end.
      let iterator: string | undefined = parentIterator;
      let reads = 0;
      while (iterator && reads < 5) {
        iterator = (await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }))).NextShardIterator;
        reads++;
      }
      expect(iterator).toBeUndefined();
    } finally {
      kinesis.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
