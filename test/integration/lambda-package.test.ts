import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ensureStream } from '../../src/aws/admin.js';
import type { LambdaEvent, LambdaResult } from '../../src/lambda/handler.js';
import { LocalEventSourceMapping } from '../../src/lambda/local-esm.js';
import { extractZip, packageLambda } from '../../src/lambda/package.js';
import { putAll, scanAll } from '../helpers/aws.js';
import { encode, MALFORMED, seedRecords } from '../helpers/seed-data.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

describe('sluice lambda package', () => {
  it('makes a zip that loads in a fresh node with only its own files and handles a Kinesis event', async () => {
    const id = uniqueName('t');
    const table = `pkg-${id}`;
    const dead = `dead-${id}`;
    const work = mkdtempSync(join(tmpdir(), 'sluice-pkg-test-'));
    try {
      const pipeline = join(work, 'pipeline.yaml');
      writeFileSync(
        pipeline,
        [
          `app: app-${id}`,
          `source: { stream: ks-${id} }`,
          'format: { kind: csv, columns: [{ name: id, type: string }, { name: temp, type: int }] }',
          'outputs:',
          `  - { name: hot, sql: "SELECT id, temp, _shard, _seq FROM events WHERE temp > 50", sink: { kind: dynamodb, table: ${table} } }`,
          `deadLetter: { table: ${dead} }`,
        ].join('\n'),
      );
      const report = await packageLambda({ pipelineFile: pipeline, out: join(work, 'lambda.zip'), arch: 'x86_64' });
      expect(report.files).toContain('index.mjs');
      expect(report.files).toContain('node_modules/@duckdb/node-bindings-linux-x64/duckdb.node');
      expect(report.files.some((f) => /kinesalite|dynalite/.test(f))).toBe(false);
      expect(report.coldImportMs).toBeGreaterThan(0);

      const dir = extractZip(report.out);
      try {
        const record = (seq: string, text: string) => ({
          kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: seq, data: Buffer.from(text).toString('base64'), approximateArrivalTimestamp: 1764669600.123 },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `shardId-000000000000:${seq}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/r',
          awsRegion: 'us-east-1',
          eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
        });
        const event = { Records: [record('49000000000000000000000000001', 'a,60'), record('49000000000000000000000000002', 'b,10'), record('49000000000000000000000000003', 'c,notanumber'), record('49000000000000000000000000004', 'd,99')] };
        const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)}); process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)})));`;
        const creds = env.stack.connection.credentials!;
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            PATH: process.env.PATH ?? '',
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: creds.accessKeyId,
            AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
            AWS_ENDPOINT_URL_DYNAMODB: env.stack.connection.dynamodbEndpoint!,
          },
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).not.toMatch(/Error|failed/);
        expect(JSON.parse(r.stdout)).toEqual({ batchItemFailures: [] });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const rows = (await scanAll(env.clients.dynamodb, table)).map((i) => `${String(i.id)}:${String(i.temp)}`).sort();
      expect(rows).toEqual(['a:60', 'd:99']);
      expect((await scanAll(env.clients.dynamodb, dead)).map((d) => d.sequence_number)).toEqual(['49000000000000000000000000003']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

/**
 * The packaged function in a fresh `node` (its own folder, no inherited environment but PATH and
 * the function's variables), invoked through stdin/stdout one event a line: what the Lambda
 * runtime does, without the runtime.
 */
function startFunction(dir: string, env: Record<string, string>): { invoke: (event: LambdaEvent) => Promise<LambdaResult>; stderr: () => string; close: () => Promise<void> } {
  const script = [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)});`,
    "const { createInterface } = await import('node:readline');",
    'for await (const line of createInterface({ input: process.stdin })) process.stdout.write(JSON.stringify(await handler(JSON.parse(line))) + "\\n");',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const exited = once(child, 'exit');
  return {
    invoke: (event) =>
      new Promise<LambdaResult>((resolve, reject) => {
        waiting.push((l) => resolve(JSON.parse(l) as LambdaResult));
        void exited.then(() => reject(new Error(`the function exited: ${err}`)));
        child.stdin.write(`${JSON.stringify(event)}\n`);
      }),
    stderr: () => err,
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

describe('the seed pipeline (examples/anomaly-detection.yaml) on Lambda', () => {
  it('packages (hottest, a top 2 of the sliding window, skipped by name), and the packaged index.mjs in a fresh node fills data_dump, data_anomaly and the dead letters through the local ESM', async () => {
    const id = uniqueName('t');
    const names = { app: `app-${id}`, stream: `ks-${id}`, dump: `dump-${id}`, anomaly: `anom-${id}`, dead: `dead-${id}` };
    const seed = parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'anomaly-detection.yaml'), 'utf8')) as {
      app: string;
      window: unknown;
      source: Record<string, unknown>;
      outputs: { sink: { table?: string } }[];
      deadLetter: { table: string };
    };
    expect(seed.window).toMatchObject({ kind: 'sliding' });
    seed.app = names.app;
    seed.source = { ...seed.source, stream: names.stream };
    seed.outputs[0]!.sink.table = names.dump;
    seed.outputs[1]!.sink.table = names.anomaly;
    seed.deadLetter.table = names.dead;
    const work = mkdtempSync(join(tmpdir(), 'sluice-pkg-seed-'));
    try {
      const file = join(work, 'anomaly-detection.yaml');
      writeFileSync(file, stringify(seed));
      const report = await packageLambda({ pipelineFile: file, out: join(work, 'lambda.zip'), arch: 'x86_64' });
      expect(report.outputs).toEqual(['data_dump', 'data_anomaly']);
      expect(report.skipped.map((s) => s.output)).toEqual(['hottest']);
      expect(report.skipped[0]!.reason).toMatch(/planned as topk.*sliding 20s window's rows/);

      const records = [...seedRecords(150), ...MALFORMED.slice(0, 4)];
      await ensureStream(env.clients.kinesis, names.stream, 1);
      await putAll(env.clients.kinesis, names.stream, records.map(encode));
      const dir = extractZip(report.out);
      const creds = env.stack.connection.credentials!;
      const fn = startFunction(dir, {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: creds.accessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: env.stack.connection.dynamodbEndpoint!,
      });
      try {
        const totals = await new LocalEventSourceMapping({ kinesis: env.clients.kinesis, stream: names.stream, region: 'us-east-1', handler: fn.invoke, batchSize: 40, maxRetries: 0, idleStopMs: 1000 }).run();
        expect(totals).toMatchObject({ records: records.length, retries: 0, discarded: 0 });
        expect(fn.stderr()).toMatch(/output hottest is skipped on Lambda/);
      } finally {
        await fn.close();
        rmSync(dir, { recursive: true, force: true });
      }
      const rows = (items: Record<string, unknown>[]) => items.map((i) => `${String(i.id)},${String(i.currentTemp)},${String(i.status)}`).sort();
      const valid = records.filter((r) => r.valid);
      expect(rows(await scanAll(env.clients.dynamodb, names.dump))).toEqual(valid.map((r) => String(r.text)).sort());
      const hot = valid.filter((r) => r.temp! > 100);
      expect(hot.length).toBeGreaterThan(0);
      expect(rows(await scanAll(env.clients.dynamodb, names.anomaly))).toEqual(hot.map((r) => String(r.text)).sort());
      expect(await scanAll(env.clients.dynamodb, names.dead)).toHaveLength(4);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});
