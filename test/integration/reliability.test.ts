// Regression tests for issue 10's failures 1-6: a fatal error ends the process, signals are
// honoured, a stop under a backlog is bounded, `latest` never skips across restarts, a dead
// embedded emulator is noticed, and bad input or flags are refused with a clear message.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { DynamoCheckpointStore } from '../../src/checkpoint/dynamodb-store.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { startLocalStack, type EmulatorExit } from '../../src/local/stack.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { countItems, putAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';
import { sluiceCli } from '../helpers/cli.js';

const env = useLocalStack();
const bin = sluiceCli();

interface Running {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** `sluice ...` as a real child process; `external` points it at the test's stack. */
function sluice(args: string[], external = true): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      ...process.env,
      SLUICE_KINESIS_ENDPOINT: external ? env.stack.kinesisEndpoint : '',
      SLUICE_DYNAMODB_ENDPOINT: external ? env.stack.dynamodbEndpoint : '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, stderr: () => err, exited };
}

const timeout = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));

function pipelineFile(config: PipelineConfigInput): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-rel-')), 'pipeline.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function checkpointOf(app: string, stream: string, shardId: string): Promise<string | undefined> {
  return new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: app, streamName: stream, workerId: 'reader' }).get(shardId);
}

describe('failure 1: a fatal batch error ends the process; signals are honoured', () => {
  it('a runtime SQL error in one of three outputs ends `sluice run` within seconds, exit 2, nothing checkpointed', async () => {
    const { names, config } = seedPipeline({ batchInterval: 200 });
    config.outputs = [
      ...config.outputs,
      { name: 'casted', sql: 'SELECT id, CAST(status AS INTEGER) AS s FROM hot_sensors', sink: { kind: 'dynamodb', table: `${names.dump}-c` } },
    ];
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const sent = await putAll(env.clients.kinesis, names.stream, seedRecords(300).map(encode));
    // Several runs: the hang depended on which output's query was still in flight when another failed.
    for (let run = 0; run < 3; run++) {
      const p = sluice(['run', pipelineFile(config), '--no-status', '--worker-id', 'w-fatal']);
      await waitFor(() => /SQL failed/.test(p.stderr()), 150_000, 'the SQL error');
      // The bug was a hang (never exiting); a deadline far above a normal exit catches it without a timing bound.
      const result = await Promise.race([p.exited, timeout(30_000)]);
      if (!result) p.child.kill('SIGKILL');
      expect(result, `still alive 30 s after the error:\n${p.stderr()}`).toBeDefined();
      expect(result!.code).toBe(2);
      expect(p.stderr()).toMatch(/outputs\.casted .*Could not convert string/);
      expect(p.stderr()).not.toMatch(/still running .* after the command finished/);
    }
    expect(await checkpointOf(names.app, names.stream, sent[0]!.shardId)).toBeUndefined();
  }, 600_000);

  it('SIGINT during a runaway query: a second SIGINT exits at once (130)', async () => {
    const { names, config } = seedPipeline({ batchInterval: 200, window: { kind: 'none' } });
    config.outputs = [{ name: 'runaway', sql: 'SELECT sum(r.range * currentTemp) AS n FROM hot_sensors, range(1000000000) r', sink: { kind: 'console' } }];
    await ensureStream(env.clients.kinesis, names.stream, 1);
    await putAll(env.clients.kinesis, names.stream, seedRecords(50).map(encode));
    const p = sluice(['run', pipelineFile(config), '--no-status']);
    await waitFor(() => /running /.test(p.stderr()), 150_000, 'the pipeline to start');
    await new Promise((r) => setTimeout(r, 2_000)); // the query is running now
    p.child.kill('SIGINT');
    await waitFor(() => /again exits at once/.test(p.stderr()), 5_000, 'the first SIGINT to be acknowledged');
    p.child.kill('SIGINT');
    // The runaway query (10^9 rows) would run far past this deadline; exit code 130 says the second SIGINT ended it.
    const result = await Promise.race([p.exited, timeout(30_000)]);
    if (!result) p.child.kill('SIGKILL');
    expect(result, p.stderr()).toBeDefined();
    expect(result!.code).toBe(130);
  }, 240_000);

  it('SIGTERM stops cleanly: final checkpoint of everything read, exit 0', async () => {
    const { names, config } = seedPipeline({ batchInterval: 200, window: { kind: 'none' } });
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const sent = await putAll(env.clients.kinesis, names.stream, seedRecords(100).map(encode));
    const p = sluice(['run', pipelineFile(config), '--no-status']);
    await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= 100, 150_000, 'all rows written');
    p.child.kill('SIGTERM');
    const result = await Promise.race([p.exited, timeout(45_000)]); // within --stop-timeout (30 s)
    if (!result) p.child.kill('SIGKILL');
    expect(result?.code, p.stderr()).toBe(0);
    expect(await checkpointOf(names.app, names.stream, sent[0]!.shardId)).toBe(sent.at(-1)!.sequenceNumber);
  }, 240_000);
});

describe('failure 2: a stop under a backlog finishes the batch in hand only', () => {
  it('stop() does not drain the buffered backlog; a restart reads the rest, nothing lost', async () => {
    const { names, config } = seedPipeline({ batchInterval: 100, window: { kind: 'none' }, maxRecordsPerBatch: 200 });
    await ensureStream(env.clients.kinesis, names.stream, 1);
    await putAll(env.clients.kinesis, names.stream, seedRecords(3000).map(encode));
    const first = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients, workerId: 'w-backlog' });
    await first.start();
    await waitFor(() => first.totals.records > 0, 30_000, 'a first batch');
    await first.stop();
    expect(first.totals.records).toBeLessThan(3000);
    const second = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients, workerId: 'w-backlog' });
    await second.start();
    try {
      await waitFor(() => first.totals.records + second.totals.records >= 3000, 60_000, 'the rest of the backlog');
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 3000, 20_000, 'every row in data_dump');
      expect(first.totals.records + second.totals.records).toBe(3000);
    } finally {
      await second.stop();
    }
  }, 120_000);
});

describe('failure 4: latest never skips across a restart', () => {
  it('a worker that started at latest, read nothing and stopped, reads on restart what was produced while it was down', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    config.source = { ...config.source, startingPosition: 'latest' };
    await ensureStream(env.clients.kinesis, names.stream, 2);
    await putAll(env.clients.kinesis, names.stream, seedRecords(20).map(encode)); // before the first start: not read
    const first = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients, workerId: 'w-latest' });
    await first.start();
    await new Promise((r) => setTimeout(r, 500));
    await first.stop();
    expect(first.totals.records).toBe(0);
    await putAll(env.clients.kinesis, names.stream, seedRecords(100, 20).map(encode)); // while down
    const second = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients, workerId: 'w-latest' });
    await second.start();
    try {
      await waitFor(() => second.totals.records >= 100, 30_000, 'the records produced while down');
      await new Promise((r) => setTimeout(r, 500));
      expect(second.totals.records).toBe(100);
    } finally {
      await second.stop();
    }
  }, 90_000);
});

describe('failure 5: a dead emulator child is noticed', () => {
  it('`sluice run` on the embedded stack stops with a clear message when its Kinesis emulator dies', async () => {
    const { config } = seedPipeline({ window: { kind: 'none' } });
    config.source = { ...config.source, createShards: 1 };
    const p = sluice(['run', pipelineFile(config), '--no-status'], false);
    await waitFor(() => /running /.test(p.stderr()), 150_000, 'the pipeline to start');
    const children = spawnSync('pgrep', ['-P', String(p.child.pid), '-f', 'emulator-process'], { encoding: 'utf8' }).stdout.trim().split('\n');
    const kinesis = children.find((pid) => /\bkinesis\b/.test(spawnSync('ps', ['-o', 'args=', '-p', pid], { encoding: 'utf8' }).stdout));
    expect(kinesis, `emulator children of ${p.child.pid}: ${children.join(',')}`).toBeDefined();
    process.kill(Number(kinesis), 'SIGKILL');
    const result = await Promise.race([p.exited, timeout(40_000)]);
    if (!result) p.child.kill('SIGKILL');
    expect(result, p.stderr()).toBeDefined();
    expect(result!.code).not.toBe(0);
    expect(p.stderr()).toMatch(/embedded Kinesis emulator \(kinesalite\).* killed by SIGKILL.*lived in memory/);
  }, 240_000);

  it('a stack persisted with dataDir restarts a dead emulator on the same port, streams intact', async () => {
    const stack = await startLocalStack({ dataDir: mkdtempSync(join(tmpdir(), 'sluice-rel-data-')) });
    const clients = createAwsClients(stack.connection);
    try {
      await ensureStream(clients.kinesis, 'persisted', 1);
      const exits: EmulatorExit[] = [];
      stack.onEmulatorExit((e) => exits.push(e));
      const before = stack.emulatorPids().kinesis!;
      process.kill(before, 'SIGKILL');
      await waitFor(() => exits.length > 0, 30_000, 'the restart');
      expect(exits[0]).toMatchObject({ kind: 'kinesis', pid: before, restarted: true, how: 'killed by SIGKILL' });
      expect(stack.emulatorPids().kinesis).not.toBe(before);
      const listed = await clients.kinesis.send(new ListStreamsCommand({}));
      expect(listed.StreamNames).toContain('persisted');
    } finally {
      clients.close();
      await stack.close();
    }
  }, 60_000);
});

describe('failure 6 and rough edges: refused with a message, not a stack trace', () => {
  it('duplicate output names are refused before anything starts', () => {
    const { config } = seedPipeline();
    config.outputs = [...config.outputs, { ...config.outputs[0]! }];
    const r = spawnSync(process.execPath, [bin, 'run', pipelineFile(config)], { encoding: 'utf8', timeout: 150_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/outputs\[2\]\.name: "data_dump" is already the name of outputs\[0\]/);
  }, 180_000);

  it('an output that would DROP the view is refused at start, exit 2', async () => {
    const { names, config } = seedPipeline();
    config.outputs = [{ name: 'vandal', sql: 'DROP VIEW hot_sensors', sink: { kind: 'console' } }];
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const p = sluice(['run', pipelineFile(config), '--no-status']);
    const result = await p.exited;
    expect(result.code).toBe(2);
    expect(p.stderr()).toMatch(/outputs\.vandal\.sql.*DROP/);
  }, 180_000);

  it('--template-file of a missing file, --data-dir that cannot be written, stream delete of a missing stream', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 150_000, env: { ...process.env, SLUICE_KINESIS_ENDPOINT: env.stack.kinesisEndpoint, SLUICE_DYNAMODB_ENDPOINT: env.stack.dynamodbEndpoint } });
    const t = run('produce', '--stream', 'x', '--template-file', '/nonexistent/template.txt');
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/Invalid --template-file: "\/nonexistent\/template.txt".*ENOENT/);
    expect(t.stderr).not.toMatch(/\n\s+at /);
    const d = run('local', 'start', '--data-dir', '/dev/null/sluice');
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/Invalid --data-dir: "\/dev\/null\/sluice" is not a writable folder \(ENOTDIR/);
    expect(d.stderr).not.toMatch(/emulator (exited|killed|did not start)/); // refused before any emulator was spawned
    const s = run('stream', 'delete', 'no-such-stream-rel');
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/No stream named "no-such-stream-rel" to delete/);
  }, 180_000);
});
