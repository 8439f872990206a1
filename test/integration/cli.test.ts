import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { countItems } from '../../src/demo/count.js';
import { putAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

const bin = join(import.meta.dirname, '..', '..', 'bin', 'sluice.js');
const sluice = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SLUICE_KINESIS_ENDPOINT: '', SLUICE_DYNAMODB_ENDPOINT: '' } });

describe('sluice CLI', () => {
  it('demo --records runs the seed scenario on a fresh embedded stack and ends with a consistent JSON summary', () => {
    const r = sluice('demo', '--records', '400', '--rate', '2000', '--bad-ratio', '0.05', '--seed', '5', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      produced: number;
      valid: number;
      anomalies: number;
      deadLetters: number;
      tables: Record<string, number>;
      consistent: boolean;
    };
    expect(summary.produced).toBe(400);
    expect(summary.valid + summary.deadLetters).toBe(400);
    expect(summary.deadLetters).toBeGreaterThan(0);
    expect(summary.tables).toEqual({ data_dump: summary.valid, data_anomaly: summary.anomalies, 'anomaly-detector_dead_letters': summary.deadLetters });
    expect(summary.consistent).toBe(true);
  }, 150_000);

  it('run refuses an invalid pipeline file with exit code 2 and errors naming each field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'app: ab\nsource: { stream: s }\nformat: { kind: csv, columns: [{ name: id, type: str }] }\noutputs: []\n');
    const r = sluice('run', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/app: .*\(got "ab"\)/);
    expect(r.stderr).toMatch(/format\.columns\[0\]\.type: .*\(got "str"\)/);
    expect(r.stderr).toMatch(/outputs: /);
  });

  it('status shows each shard with its lease owner and checkpoint', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    await ensureStream(env.clients.kinesis, names.stream, 2);
    const q = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients, workerId: 'worker-status' });
    await q.start();
    let sent;
    try {
      sent = await putAll(env.clients.kinesis, names.stream, seedRecords(50).map(encode));
      await waitFor(() => q.totals.records >= 50, 20_000, 'all read');
      const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
      const file = join(dir, 'pipeline.json');
      writeFileSync(file, JSON.stringify(config));
      const r = sluice('status', file, '--endpoint-url', env.stack.kinesisEndpoint, '--dynamodb-endpoint-url', env.stack.dynamodbEndpoint);
      expect(r.status, r.stderr).toBe(0);
      const status = JSON.parse(r.stdout) as { shards: { shard: string; owner: string; checkpoint: string }[] };
      const last = new Map<string, string>();
      for (const s of sent) last.set(s.shardId, s.sequenceNumber);
      expect(status.shards.map((s) => [s.shard, s.owner, s.checkpoint]).sort()).toEqual([...last].map(([shard, seq]) => [shard, 'worker-status', seq]).sort());
    } finally {
      await q.stop();
    }
  });

  it('run --input reads a file of records through the pipeline into DynamoDB, with dead letters, and stops at its end', async () => {
    const { names, config } = seedPipeline();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(config));
    const input = join(dir, 'events.csv');
    writeFileSync(input, 'Ada,120,OK\nBob,90,WARN\nbob,abc,OK\nAda,550,FAIL\n');
    const r = sluice('run', file, '--input', input, '--no-status', '--endpoint-url', env.stack.kinesisEndpoint, '--dynamodb-endpoint-url', env.stack.dynamodbEndpoint);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { records: number; rows: number; deadLetters: number };
    expect(summary).toMatchObject({ records: 4, rows: 3, deadLetters: 1 });
    expect(await countItems(env.clients.dynamodb, names.dump)).toBe(3);
    expect(await countItems(env.clients.dynamodb, names.anomaly)).toBe(2);
    expect(await countItems(env.clients.dynamodb, names.dead)).toBe(1);
  }, 120_000);

  it('status on an app that never ran names the checkpoint table and says so; a missing stream reads without a double period', async () => {
    const { names, config } = seedPipeline();
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'never-ran.json');
    writeFileSync(file, JSON.stringify(config));
    const r = sluice('status', file, '--endpoint-url', env.stack.kinesisEndpoint, '--dynamodb-endpoint-url', env.stack.dynamodbEndpoint);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`no checkpoint table ${names.app}: it has not run yet`);
    const missing = join(dir, 'missing-stream.json');
    writeFileSync(missing, JSON.stringify({ ...config, source: { ...config.source, stream: `${names.stream}-missing` } }));
    const m = sluice('status', missing, '--endpoint-url', env.stack.kinesisEndpoint, '--dynamodb-endpoint-url', env.stack.dynamodbEndpoint);
    expect(m.status).not.toBe(0);
    expect(m.stderr).toMatch(/ResourceNotFoundException.*Fix: create the stream/);
    expect(m.stderr).not.toMatch(/\.\./);
  });
});
