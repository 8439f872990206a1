import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RecordedCall } from '../../src/aws/call-log.js';
import { allows, iamPolicy } from '../../src/aws/iam-policy.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { countItems, putAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { startSluice } from '../helpers/sluice-process.js';
import { useLocalStack } from '../helpers/stack.js';

// kinesis-mock: the only embedded Kinesis that serves SubscribeToShard (enhanced fan-out).
const env = useLocalStack({ kinesisBackend: 'kinesis-mock' });

describe('sluice iam-policy with enhanced fan-out', () => {
  it('allows every call a real sluice run reading with SubscribeToShard makes, and grants nothing else but GetItem on its table (for lease moves)', async () => {
    const id = uniqueName('t');
    const names = { app: `app-${id}`, stream: `ks-${id}`, dump: `dump-${id}` };
    const config: PipelineConfigInput = {
      app: names.app,
      source: { stream: names.stream, startingPosition: 'trim_horizon', pollInterval: 50, createShards: 1, consumerType: 'SubscribeToShard', consumerName: 'iam-efo' },
      format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'status', type: 'string' }] },
      batchInterval: 200,
      outputs: [{ name: 'dump', sql: 'SELECT id, _shard, _seq FROM events', sink: { kind: 'dynamodb', table: names.dump } }],
    } as PipelineConfigInput;
    const work = mkdtempSync(join(tmpdir(), 'sluice-iam-efo-'));
    const log = join(work, 'calls.jsonl');
    writeFileSync(log, '');
    writeFileSync(join(work, 'p.yaml'), stringify(config));
    const stack = { kinesisEndpoint: env.stack.connection.kinesisEndpoint!, dynamodbEndpoint: env.stack.connection.dynamodbEndpoint! };
    const worker = startSluice(stack, join(work, 'p.yaml'), { env: { SLUICE_RECORD_CALLS: log } });
    let arn = '';
    try {
      await waitFor(async () => readFileSync(log, 'utf8').includes('"SubscribeToShard"'), 90_000, 'the worker to subscribe');
      arn = (await env.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: names.stream }))).StreamDescriptionSummary!.StreamARN!;
      await putAll(env.clients.kinesis, names.stream, seedRecords(30).map(encode));
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump).catch(() => 0)) >= 30, 90_000, 'every record in the dump table');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RecordedCall);
    rmSync(work, { recursive: true, force: true });
    const [, , , region, account] = arn.split(':');
    const policy = iamPolicy(parsePipelineConfig(config), { region: region!, account: account! });
    const toArn = (c: RecordedCall) =>
      c.resource?.startsWith('arn:') ? c.resource : c.service === 'kinesis' ? `arn:aws:kinesis:${region}:${account}:stream/${c.resource ?? names.stream}` : `arn:aws:dynamodb:${region}:${account}:table/${c.resource}`;
    const made = new Set(calls.map((c) => `${c.service}:${c.action} ${toArn(c)}`));
    expect([...made].filter((p) => !allows(policy, p.slice(0, p.indexOf(' ')), p.slice(p.indexOf(' ') + 1)))).toEqual([]);
    const granted = policy.Statement.flatMap((s) => s.Action.map((a) => `${a} ${s.Resource[0]}`));
    const used = (g: string) => [...made].some((p) => p.startsWith(`${g.slice(0, g.indexOf(' '))} `) && allows({ Version: '2012-10-17', Statement: [{ Sid: 'x', Effect: 'Allow', Action: [g.slice(0, g.indexOf(' '))], Resource: [g.slice(g.indexOf(' ') + 1)] }] }, g.slice(0, g.indexOf(' ')), p.slice(p.indexOf(' ') + 1)));
    // GetItem on the app's table is for a refused checkpoint (a lease moved), the `latest` origin and
    // operator state: none of which this one worker, reading from trim_horizon without operators, meets.
    expect(granted.filter((g) => !used(g))).toEqual([`dynamodb:GetItem arn:aws:dynamodb:${region}:${account}:table/${names.app}`]);
    expect(made.has(`kinesis:GetRecords arn:aws:kinesis:${region}:${account}:stream/${names.stream}`)).toBe(false);
  }, 240_000);
});
