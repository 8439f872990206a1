import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoCheckpointStore } from '../../src/checkpoint/dynamodb-store.js';
import { bucketOf } from '../../src/checkpoint/keyed-chunks.js';
import type { ShardState } from '../../src/checkpoint/store.js';
import { scanAll } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

/** The keyed state of one shard as a snapshot writes it: each given key in its bucket. */
function shardState(entries: Record<string, unknown>): ShardState {
  const buckets = new Map<number, Map<string, [string, unknown][]>>();
  for (const [k, v] of Object.entries(entries)) {
    const b = bucketOf(k);
    if (!buckets.has(b)) buckets.set(b, new Map([['h', []]]));
    buckets.get(b)!.get('h')!.push([k, v]);
  }
  return buckets;
}

const setOwner = (table: string, shard: string, owner: string) =>
  env.clients.dynamodb.send(new UpdateItemCommand({ TableName: table, Key: { leaseKey: { S: shard } }, UpdateExpression: 'SET leaseOwner = :o', ExpressionAttributeValues: { ':o': { S: owner } } }));

describe('keyed state in the DynamoDB checkpoint store', () => {
  it('commits a shard’s state with its checkpoint only while it holds the lease and moves forward; a refused snapshot leaves the committed one and no stray chunks', async () => {
    const app = `kst-${uniqueName('a')}`;
    const store = new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: app, streamName: 'st', workerId: 'a' });
    await store.init();
    await env.clients.dynamodb.send(new PutItemCommand({ TableName: app, Item: { leaseKey: { S: 's' }, leaseCounter: { N: '1' }, leaseOwner: { S: 'a' } } }));
    const chunkRefs = async () => (await scanAll(env.clients.dynamodb, app)).filter((i) => typeof i.shard === 'string').map((i) => `${String(i.bucket)}#${String(i.version)}`);

    // First snapshot: keys k0..k9.
    const first = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, { n: i }]));
    expect(await store.saveSnapshot(new Map([['s', '100']]), new Map(), new Map([['s', shardState(first)]]))).toEqual({ lost: [], refused: [] });
    const loaded1 = await store.loadShardState('s');
    expect(loaded1?.checkpoint).toBe('100');
    expect(new Map(loaded1!.state.get('h'))).toEqual(new Map(Object.entries(first)));
    expect((await chunkRefs()).sort()).toEqual([...loaded1!.refs].sort());

    // Incremental: only k3's bucket rewritten; the other buckets stay, the replaced chunks go.
    const k3 = shardState({ ...Object.fromEntries(Object.entries(first).filter(([k]) => bucketOf(k) === bucketOf('k3'))), k3: { n: 33 } });
    expect(await store.saveSnapshot(new Map([['s', '110']]), new Map(), new Map([['s', k3]]))).toEqual({ lost: [], refused: [] });
    const loaded2 = await store.loadShardState('s');
    expect(loaded2?.checkpoint).toBe('110');
    expect(new Map(loaded2!.state.get('h'))).toEqual(new Map(Object.entries({ ...first, k3: { n: 33 } })));
    expect((await chunkRefs()).sort()).toEqual([...loaded2!.refs].sort());

    // The lease moved: refused and lost; the committed state stays, the new chunks are deleted.
    await setOwner(app, 's', 'b');
    expect(await store.saveSnapshot(new Map([['s', '120']]), new Map(), new Map([['s', shardState({ k0: { n: -1 } })]]))).toEqual({ lost: ['s'], refused: ['s'] });
    expect((await store.loadShardState('s'))?.checkpoint).toBe('110');
    expect((await chunkRefs()).sort()).toEqual([...loaded2!.refs].sort());

    // Back with us, but a position behind the committed one: refused (checkpoints never move back), not lost.
    await setOwner(app, 's', 'a');
    expect(await store.saveSnapshot(new Map([['s', '105']]), new Map(), new Map([['s', shardState({ k0: { n: -2 } })]]))).toEqual({ lost: [], refused: ['s'] });
    const loaded3 = await store.loadShardState('s');
    expect(loaded3?.checkpoint).toBe('110');
    expect(new Map(loaded3!.state.get('h'))).toEqual(new Map(loaded2!.state.get('h')));
    expect((await chunkRefs()).sort()).toEqual([...loaded2!.refs].sort());
  });

  it('at start, chunks no commit point names are deleted: its own at once, another worker’s only once old (it may be mid-snapshot)', async () => {
    const app = `kst-${uniqueName('b')}`;
    const store = new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: app, streamName: 'st', workerId: 'a', leased: false });
    await store.init();
    await store.saveSnapshot(new Map([['s', '100']]), new Map(), new Map([['s', shardState({ k: 1 })]]));
    const stray = (key: string, writer: string, writtenAt: number) =>
      env.clients.dynamodb.send(
        new PutItemCommand({
          TableName: app,
          Item: { leaseKey: { S: key }, data: { B: new Uint8Array([1]) }, version: { S: 'v-x' }, shard: { S: 's' }, bucket: { N: '0' }, snapshotChunk: { BOOL: true }, writer: { S: writer }, writtenAt: { N: String(writtenAt) } },
        }),
      );
    await stray('state#v-x#s#0#0', 'a', Date.now());
    await stray('state#v-x#s#0#1', 'b', Date.now());
    await stray('state#v-x#s#0#2', 'b', Date.now() - 3_600_000);
    const loaded = await new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: app, streamName: 'st', workerId: 'a', leased: false }).load();
    expect(loaded.get('s')?.checkpoint).toBe('100');
    const left = (await scanAll(env.clients.dynamodb, app)).map((i) => String(i.leaseKey)).filter((k) => k.includes('v-x'));
    expect(left).toEqual(['state#v-x#s#0#1']);
  });
});
