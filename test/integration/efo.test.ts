import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStreamCommand, ListStreamConsumersCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream, listShards, waitForStream } from '../../src/aws/admin.js';
import { SHARD_END } from '../../src/checkpoint/store.js';
import { KinesisSource, type ConsumerType } from '../../src/kinesis/source.js';
import type { KinesisRecord } from '../../src/kinesis/record.js';
import type { KinesisBackend } from '../../src/local/stack.js';
import { countItems, putAll, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { useLocalStack } from '../helpers/stack.js';
import { sluiceCli } from '../helpers/cli.js';

/**
 * The same suite twice: enhanced fan-out on kinesis-mock (the only emulator that serves
 * SubscribeToShard), and polling on kinesalite. Small volumes: kinesis-mock is slow.
 */
const variants: { backend: KinesisBackend; consumerType: ConsumerType }[] = [
  { backend: 'kinesis-mock', consumerType: 'SubscribeToShard' },
  { backend: 'kinesalite', consumerType: 'GetRecords' },
];

/** Plays the engine's part: drains the source, and checkpoints SHARD_END for shards read to their end. */
async function readUntil(source: KinesisSource, n: number, timeoutMs: number): Promise<KinesisRecord[]> {
  const got: KinesisRecord[] = [];
  await waitFor(async () => {
    got.push(...source.poll());
    const finished = source.finishedShards();
    if (finished.length > 0) await source.onCheckpointed(new Map(finished.map((s) => [s, SHARD_END])));
    return got.length >= n;
  }, timeoutMs, `${n} records`);
  await new Promise((r) => setTimeout(r, 1500)); // anything extra (a repeat) would arrive now
  got.push(...source.poll());
  return got;
}

describe.each(variants)('$consumerType on $backend', ({ backend, consumerType }) => {
  const env = useLocalStack({ kinesisBackend: backend });
  const efo = consumerType === 'SubscribeToShard';

  it('reads every record exactly once across resubscriptions', async () => {
    const stream = uniqueName('efo');
    await ensureStream(env.clients.kinesis, stream, 2);
    const source = new KinesisSource({
      kinesis: env.clients.kinesis,
      streamName: stream,
      startingPosition: { kind: 'trimHorizon' },
      idleMs: 50,
      consumerType,
      consumerName: 'sluice-test',
      subscriptionMs: 1_500, // AWS ends a subscription after 5 minutes; here every 1.5 s
    });
    await source.start(new Map());
    const sent = [];
    try {
      for (let i = 0; i < 6; i++) {
        sent.push(...(await putAll(env.clients.kinesis, stream, seedRecords(50, i * 50).map(encode))));
        await new Promise((r) => setTimeout(r, 700));
      }
      const got = await readUntil(source, sent.length, 60_000);
      expect(got.map((r) => `${r.shardId}/${r.sequenceNumber}`).sort()).toEqual(sent.map((s) => `${s.shardId}/${s.sequenceNumber}`).sort());
      // Order within each shard is the order written.
      for (const shard of new Set(sent.map((s) => s.shardId))) {
        expect(got.filter((r) => r.shardId === shard).map((r) => r.sequenceNumber)).toEqual(sent.filter((s) => s.shardId === shard).map((s) => s.sequenceNumber));
      }
      if (efo) {
        const consumers = await env.clients.kinesis.send(new ListStreamConsumersCommand({ StreamARN: (await env.clients.kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription!.StreamARN! }));
        expect(consumers.Consumers?.map((c) => c.ConsumerName)).toEqual(['sluice-test']);
      }
    } finally {
      await source.close();
    }
    // A second source with the same consumer name reuses the registered consumer (idempotent registration).
    if (efo) {
      const again = new KinesisSource({ kinesis: env.clients.kinesis, streamName: stream, startingPosition: { kind: 'trimHorizon' }, consumerType, consumerName: 'sluice-test' });
      await again.start(new Map());
      try {
        const got = await readUntil(again, sent.length, 60_000);
        expect(got).toHaveLength(sent.length);
      } finally {
        await again.close();
      }
    }
  }, 180_000);

  it('follows a shard split: the parent to its end, then both children, nothing lost or repeated', async () => {
    const stream = uniqueName('split');
    await ensureStream(env.clients.kinesis, stream, 1);
    const before = await putAll(env.clients.kinesis, stream, seedRecords(100).map(encode));
    const source = new KinesisSource({ kinesis: env.clients.kinesis, streamName: stream, startingPosition: { kind: 'trimHorizon' }, idleMs: 50, consumerType, consumerName: 'split-test', discoveryIntervalMs: 1_000 });
    await source.start(new Map());
    try {
      const [parent] = await listShards(env.clients.kinesis, stream);
      const d = await env.clients.kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
      const range = d.StreamDescription!.Shards![0]!.HashKeyRange!;
      const middle = ((BigInt(range.StartingHashKey!) + BigInt(range.EndingHashKey!)) / 2n).toString();
      await env.clients.kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent!.ShardId!, NewStartingHashKey: middle }));
      await waitForStream(env.clients.kinesis, stream);
      const after = await putAll(env.clients.kinesis, stream, seedRecords(100, 100).map(encode));
      expect(new Set(after.map((s) => s.shardId)).size).toBe(2);
      const got = await readUntil(source, 200, 90_000);
      const ids = got.map((r) => `${r.shardId}/${r.sequenceNumber}`);
      expect(ids.sort()).toEqual([...before, ...after].map((s) => `${s.shardId}/${s.sequenceNumber}`).sort());
      expect(source.readingShards()).not.toContain(parent!.ShardId);
    } finally {
      await source.close();
    }
  }, 180_000);

  it('a consumer killed with SIGKILL and restarted writes every record exactly once', async () => {
    const { names, config } = seedPipeline({
      batchInterval: 250,
      window: { kind: 'none' },
      lease: { failover: '3s' },
      source: { stream: '', startingPosition: 'trim_horizon', pollInterval: 50, consumerType, consumerName: 'kill-test' },
      deadLetter: undefined,
    });
    config.source.stream = names.stream;
    const dir = mkdtempSync(join(tmpdir(), 'sluice-efo-kill-'));
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(config));
    await ensureStream(env.clients.kinesis, names.stream, 2);
    const bin = sluiceCli();
    const startConsumer = (): { child: ChildProcess; output: () => string } => {
      const child = spawn(process.execPath, [bin, 'run', file, '--endpoint-url', env.stack.kinesisEndpoint, '--dynamodb-endpoint-url', env.stack.dynamodbEndpoint, '--no-status'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      return { child, output: () => out };
    };
    const total = 400;
    const all = seedRecords(total);
    const first = startConsumer();
    for (let off = 0; off < total / 2; off += 50) await putAll(env.clients.kinesis, names.stream, all.slice(off, off + 50).map(encode));
    await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= 50, 60_000, `first rows; consumer said: ${first.output()}`);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const beforeRestart = await countItems(env.clients.dynamodb, names.dump);
    for (let off = total / 2; off < total; off += 50) await putAll(env.clients.kinesis, names.stream, all.slice(off, off + 50).map(encode));
    const second = startConsumer();
    try {
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= total, 90_000, `all rows; consumer said: ${second.output()}`);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    }
    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(beforeRestart).toBeLessThan(total);
    expect(dump).toHaveLength(total);
    expect(dump.map((d) => `${d.id},${d.currentTemp},${d.status}`).sort()).toEqual(all.map((r) => r.text as string).sort());
    expect(second.output()).not.toMatch(/Error/);
  }, 240_000);
});
