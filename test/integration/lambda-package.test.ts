import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractZip, packageLambda } from '../../src/lambda/package.js';
import { scanAll } from '../helpers/aws.js';
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
