import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ensureStream } from '../../src/aws/admin.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { recordAwsCalls, type RecordedCall } from '../../src/aws/call-log.js';
import { allows, iamPolicy, type PolicyDocument } from '../../src/aws/iam-policy.js';
import { createHandler } from '../../src/lambda/handler.js';
import { LocalEventSourceMapping } from '../../src/lambda/local-esm.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { countItems, putAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { encode, MALFORMED, seedRecords } from '../helpers/seed-data.js';
import { startSluice } from '../helpers/sluice-process.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

/**
 * A pipeline that uses every kind of resource: a source stream it creates, a stateful keyed
 * operator (state in the app's table), a dynamodb sink, a counter sink and a kinesis sink (each
 * creating its table or stream), a console sink and the dead-letter table.
 */
function everything(): { config: PipelineConfigInput; names: Record<string, string> } {
  const id = uniqueName('t');
  const names = { app: `app-${id}`, stream: `ks-${id}`, dump: `dump-${id}`, counts: `counts-${id}`, out: `out-${id}`, dead: `dead-${id}` };
  const config: PipelineConfigInput = {
    app: names.app,
    source: { stream: names.stream, startingPosition: 'trim_horizon', pollInterval: 50, createShards: 2 },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'status', type: 'string' }] },
    batchInterval: 200,
    stateInterval: 200,
    operators: [{ kind: 'anomaly', detector: 'ewma', value: 'currentTemp', key: 'id' }],
    outputs: [
      { name: 'dump', sql: 'SELECT id, currentTemp, anomaly_score, _shard, _seq FROM events', sink: { kind: 'dynamodb', table: names.dump } },
      { name: 'per_status', sql: 'SELECT status, _shard, _seq FROM events', sink: { kind: 'dynamodb-counter', table: names.counts, keyColumns: ['status'] } },
      { name: 'forward', sql: 'SELECT id, currentTemp FROM events WHERE currentTemp > 100', sink: { kind: 'kinesis', stream: names.out, createShards: 1 } },
      { name: 'show', sql: 'SELECT id FROM events', sink: { kind: 'console', rows: 1 } },
    ],
    deadLetter: { table: names.dead },
  } as PipelineConfigInput;
  return { config, names };
}

/** The ARN a recorded call is about: named in its input, or (GetRecords, ListShards by token) the source stream it reads. */
function resourceArn(call: RecordedCall, source: string, table?: string): string {
  const name = table ?? call.resource ?? source;
  if (name.startsWith('arn:')) return name;
  return call.service === 'kinesis' ? `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}` : `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
}

/** Every (action, ARN) pair the calls made, once each. */
function pairs(calls: readonly RecordedCall[], source: string): Set<string> {
  const out = new Set<string>();
  for (const c of calls) for (const t of c.tables ?? [undefined]) out.add(`${c.service}:${c.action} ${resourceArn(c, source, t)}`);
  return out;
}

/** The policy's (action, resource) grants that no call used. */
function unused(policy: PolicyDocument, made: Set<string>): string[] {
  const left: string[] = [];
  for (const s of policy.Statement) {
    for (const a of s.Action) {
      for (const r of s.Resource) {
        const single: PolicyDocument = { Version: '2012-10-17', Statement: [{ ...s, Action: [a], Resource: [r] }] };
        if (![...made].some((p) => p.startsWith(`${a} `) && allows(single, a, p.slice(p.indexOf(' ') + 1)))) left.push(`${a} ${r}`);
      }
    }
  }
  return left.sort();
}

const records = [...seedRecords(120), ...MALFORMED.slice(0, 3)].map(encode);
const valid = 120;

describe('sluice iam-policy', () => {
  it('allows every call two real sluice run workers make, and grants nothing they do not make', async () => {
    const { config, names } = everything();
    const work = mkdtempSync(join(tmpdir(), 'sluice-iam-'));
    const log = join(work, 'calls.jsonl');
    writeFileSync(log, '');
    const file = join(work, 'pipeline.yaml');
    writeFileSync(file, stringify(config));
    const stack = { kinesisEndpoint: env.stack.connection.kinesisEndpoint!, dynamodbEndpoint: env.stack.connection.dynamodbEndpoint! };
    const workers = ['w1', 'w2'].map((w) => startSluice(stack, file, { workerId: w, env: { SLUICE_RECORD_CALLS: log } }));
    try {
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.app).catch(() => 0)) > 0, 60_000, 'the workers to create their table');
      await ensureStream(env.clients.kinesis, names.stream, 2);
      await putAll(env.clients.kinesis, names.stream, records);
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump).catch(() => 0)) >= valid && (await countItems(env.clients.dynamodb, names.dead).catch(() => 0)) >= 3, 90_000, 'every record in the dump and dead-letter tables');
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      // Their exit codes are not what this test is about (the shutdown tests check them); the calls they made are.
      await Promise.all(workers.map((w) => w.exited));
    }
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RecordedCall);
    rmSync(work, { recursive: true, force: true });
    const policy = iamPolicy(parsePipelineConfig(config), { region: REGION, account: ACCOUNT, operatorState: { keyed: true, whole: false } });
    const made = pairs(calls, names.stream);
    const refused = [...made].filter((p) => !allows(policy, p.slice(0, p.indexOf(' ')), p.slice(p.indexOf(' ') + 1)));
    expect(refused).toEqual([]);
    expect(unused(policy, made)).toEqual([]);
  }, 240_000);

  it("allows every call of a Lambda invocation through the local ESM; grants beyond them are only the real ESM's DescribeStream and the function's logs", async () => {
    const { config, names } = everything();
    const calls: RecordedCall[] = [];
    const clients = createAwsClients(env.stack.connection);
    recordAwsCalls(clients.kinesis, 'kinesis', (c) => calls.push(c));
    recordAwsCalls(clients.dynamodb, 'dynamodb', (c) => calls.push(c));
    await ensureStream(env.clients.kinesis, names.stream, 2);
    await putAll(env.clients.kinesis, names.stream, records);
    const handler = createHandler(config, { clients, out: () => undefined });
    try {
      const totals = await new LocalEventSourceMapping({ kinesis: clients.kinesis, stream: names.stream, region: REGION, handler, batchSize: 50, maxRetries: 0, idleStopMs: 1000 }).run();
      expect(totals).toMatchObject({ records: records.length, discarded: 0 });
    } finally {
      await handler.close();
      clients.close();
    }
    expect(await countItems(env.clients.dynamodb, names.dump)).toBe(valid);
    const { source, ...rest } = parsePipelineConfig(config);
    // The function never creates its source: the ESM needs the stream to exist.
    const policy = iamPolicy({ ...rest, source: { ...source, createShards: undefined } }, { lambda: true, region: REGION, account: ACCOUNT, operatorState: { keyed: true, whole: false } });
    const made = pairs(calls, names.stream);
    const refused = [...made].filter((p) => !allows(policy, p.slice(0, p.indexOf(' ')), p.slice(p.indexOf(' ') + 1)));
    expect(refused).toEqual([]);
    const arn = (kind: string, n: string) => `arn:aws:${kind}:${REGION}:${ACCOUNT}:${n}`;
    expect(unused(policy, made)).toEqual(
      [
        `kinesis:DescribeStream ${arn('kinesis', `stream/${names.stream}`)}`,
        `logs:CreateLogGroup ${arn('logs', `log-group:/aws/lambda/${names.app}:*`)}`,
        `logs:CreateLogStream ${arn('logs', `log-group:/aws/lambda/${names.app}:*`)}`,
        `logs:PutLogEvents ${arn('logs', `log-group:/aws/lambda/${names.app}:*`)}`,
      ].sort(),
    );
  }, 180_000);
});
