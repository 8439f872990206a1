import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { countItems, putAll, scanAll, waitFor } from '../helpers/aws.js';
import { MALFORMED, encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';
import { sluiceCli } from '../helpers/cli.js';

const env = useLocalStack();
const bin = sluiceCli();

function startConsumer(file: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [bin, 'run', file, '--endpoint-url', env.stack.kinesisEndpoint, '--dynamodb-endpoint-url', env.stack.dynamodbEndpoint, '--no-status'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

describe('a consumer killed mid-stream (SIGKILL) and restarted', () => {
  // With a checkpoint interval longer than the run, the restart replays all but the first batch.
  it.each([{ every: 'batch' }, { every: '1m' }])('loses nothing: every valid record ends up in data_dump exactly once (checkpoint every $every)', async ({ every }) => {
    const { names, config } = seedPipeline({ batchInterval: 250, window: { kind: 'sliding', length: '1s' }, lease: { failover: '3s' }, ...(every === 'batch' ? {} : { checkpointInterval: every }) });
    const dir = mkdtempSync(join(tmpdir(), 'sluice-kill-'));
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(config));
    await ensureStream(env.clients.kinesis, names.stream, 2);

    const total = 3000;
    const all = seedRecords(total);
    const mixed = [...all];
    MALFORMED.forEach((m, i) => mixed.splice(100 + i * 300, 0, m));

    const first = startConsumer(file);
    // Feed records in slices while the consumer runs, and kill it once it has written some of them.
    const sliceSize = 300;
    let offset = 0;
    for (; offset < mixed.length / 2; offset += sliceSize) {
      await putAll(env.clients.kinesis, names.stream, mixed.slice(offset, offset + sliceSize).map(encode));
    }
    await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= 300, 60_000, `first rows in data_dump; consumer said: ${first.output()}`);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const beforeRestart = (await countItems(env.clients.dynamodb, names.dump));

    for (; offset < mixed.length; offset += sliceSize) {
      await putAll(env.clients.kinesis, names.stream, mixed.slice(offset, offset + sliceSize).map(encode));
    }
    const second = startConsumer(file);
    try {
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= total, 90_000, `all rows in data_dump; consumer said: ${second.output()}`);
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    }

    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(beforeRestart).toBeLessThan(total); // the kill really happened mid-stream
    expect(dump).toHaveLength(total);
    expect(dump.map((d) => `${d.id},${d.currentTemp},${d.status}`).sort()).toEqual(all.map((r) => r.text as string).sort());
    const anomalies = await scanAll(env.clients.dynamodb, names.anomaly);
    expect(anomalies).toHaveLength(all.filter((r) => r.temp! > 100).length);
    const dead = await scanAll(env.clients.dynamodb, names.dead);
    expect(dead).toHaveLength(MALFORMED.length);
    expect(second.output()).not.toMatch(/Error/);
  }, 180_000);
});
