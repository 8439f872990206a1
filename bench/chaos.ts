/**
 * The chaos suite (`npm run chaos`, not part of `npm test` or `npm run bench`): real `sluice run` workers on the
 * embedded stack (loopback only, persisted in a temp folder so a killed emulator restarts with its
 * data), under SIGKILLs, a second worker, killed and frozen emulators, fuzzed records and fatal
 * errors. Prints one row per scenario: records produced, lost, duplicated, dead-lettered, and
 * whether every worker ended when asked (or hung). Exit code 1 if any row lost, duplicated or hung.
 *
 *   npm run chaos                    # full size (100,000 records, 20 kills; ~15-30 min on 2 cores)
 *   npm run chaos -- --scale 0.05    # the same scenarios, smaller
 *   npm run chaos -- --only fuzz     # one scenario (kill, two-workers, emulator, fuzz, fatal, throttle, clock-step, frozen-worker)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ensureStream } from '../src/aws/admin.js';
import { createAwsClients, type AwsClients } from '../src/aws/clients.js';
import { countItems } from '../src/demo/count.js';
import { KinesisProducer } from '../src/kinesis/producer.js';
import { startLocalStack, type LocalStack } from '../src/local/stack.js';
import type { PipelineConfigInput } from '../src/pipeline/config.js';
import { FUZZ_KINDS, fuzzRecord } from './chaos-fuzz.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const scale = Number(arg('--scale') ?? process.env.CHAOS_SCALE ?? 1);
const only = arg('--only');
const bin = join(import.meta.dirname, '..', 'bin', 'sluice.js');
const work = mkdtempSync(join(tmpdir(), 'sluice-chaos-'));
const log = (s: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Row {
  scenario: string;
  produced: number;
  lost: number;
  duplicated: number;
  deadLettered: number;
  ended: string;
  seconds: number;
  note: string;
}

/** The seed pipeline (CSV, data_dump keyed by shard+sequence, data_anomaly, dead letters) plus a seed-004 exactly-once counter per status. */
function seedPipeline(id: string, shards: number): PipelineConfigInput {
  return {
    app: `chaos-${id}`,
    source: { stream: `chaos-${id}`, startingPosition: 'trim_horizon', createShards: shards, pollInterval: 100 },
    format: {
      kind: 'csv',
      columns: [
        { name: 'id', type: 'string' },
        { name: 'currentTemp', type: 'int' },
        { name: 'status', type: 'string' },
      ],
    },
    batchInterval: 500,
    // Small batches keep a stop short (the batch in hand is all a stop waits for) on a loaded machine.
    maxRecordsPerBatch: 5_000,
    window: { kind: 'tumbling', length: '1s' },
    view: 'hot_sensors',
    outputs: [
      { name: 'data_dump', sql: 'SELECT * FROM hot_sensors', sink: { kind: 'dynamodb', table: `chaos-${id}-dump` } },
      { name: 'data_anomaly', sql: 'SELECT * FROM hot_sensors WHERE currentTemp > 100', sink: { kind: 'dynamodb', table: `chaos-${id}-anomaly` } },
      { name: 'counts', sql: 'SELECT status, _shard, _seq FROM hot_sensors', sink: { kind: 'dynamodb-counter', table: `chaos-${id}-counts`, keyColumns: ['status'] } },
    ],
    deadLetter: { table: `chaos-${id}-dead` },
    lease: { failover: '3s' },
  };
}

class Worker {
  readonly child: ChildProcess;
  private err = '';
  readonly exited: Promise<number | null>;

  constructor(
    stack: LocalStack,
    file: string,
    readonly workerId: string,
    env: Record<string, string> = {},
  ) {
    this.child = spawn(process.execPath, [bin, 'run', file, '--no-status', '--worker-id', workerId, '--stop-timeout', '30s'], {
      env: { ...process.env, SLUICE_KINESIS_ENDPOINT: stack.kinesisEndpoint, SLUICE_DYNAMODB_ENDPOINT: stack.dynamodbEndpoint, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.err = (this.err + d.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  }

  get stderr(): string {
    return this.err;
  }

  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM and wait: 'ended' within the stop timeout plus a margin, else 'HUNG' (then SIGKILL). */
  async stop(): Promise<string> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return `exited early (${this.child.exitCode ?? this.child.signalCode})`;
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(40_000).then(() => 'hung' as const)]);
    if (code === 'hung') {
      this.child.kill('SIGKILL');
      return 'HUNG';
    }
    return code === 0 ? 'ended' : `ended (exit ${code})`;
  }
}

function writePipeline(config: PipelineConfigInput): string {
  const file = join(work, `${config.app}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function scanIds(clients: AwsClients, table: string): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const r = await clients.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true, ProjectionExpression: 'id' }));
    for (const item of r.Items ?? []) ids.push(item.id?.S ?? '');
    start = r.LastEvaluatedKey;
  } while (start);
  return ids;
}

async function sumCounts(clients: AwsClients, table: string): Promise<number> {
  let n = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const r = await clients.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of r.Items ?? []) n += Number(item.count?.N ?? 0);
    start = r.LastEvaluatedKey;
  } while (start);
  return n;
}

const safeCount = (clients: AwsClients, table: string) => countItems(clients.dynamodb, table).catch(() => 0);

/** Sends `records` at about `rate`/s in chunks of 500, resending what failed (the producer's partial retry). */
async function produce(clients: AwsClients, stream: string, records: Uint8Array[], rate: number, during?: (sent: number) => Promise<void>, key: (i: number) => string = (i) => `pk-${i}`): Promise<void> {
  const producer = new KinesisProducer(clients.kinesis, stream, { maxAttempts: 50, maxDelayMs: 2_000 });
  const t0 = Date.now();
  for (let i = 0; i < records.length; i += 500) {
    let chunk = records.slice(i, i + 500).map((data, j) => ({ data, partitionKey: key(i + j) }));
    while (chunk.length > 0) {
      const r = await producer.send(chunk).catch(() => undefined);
      chunk = r ? chunk.filter((_, j) => r.outcomes[j]!.status !== 'ok') : chunk;
      if (chunk.length > 0) await sleep(500);
    }
    await during?.(i + 500);
    const due = t0 + ((i + 500) / rate) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}

function seedRecords(n: number, prefix: string): Uint8Array[] {
  const status = ['OK', 'FAIL', 'WARN'];
  return Array.from({ length: n }, (_, i) => Buffer.from(`${prefix}${i},${10 + ((i * 37) % 541)},${status[i % 3]}`));
}

/**
 * Waits until data_dump + dead letters account for `expected` records, or until they stop growing
 * for `stallMs` (a worker that makes no progress). Returns whether everything was accounted for.
 */
async function settle(clients: AwsClients, id: string, expected: number, stallMs: number): Promise<boolean> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const n = (await safeCount(clients, `chaos-${id}-dump`)) + (await safeCount(clients, `chaos-${id}-dead`));
    if (n >= expected) return true;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      log(`${id}: no progress for ${stallMs / 1000} s at ${n} of ${expected}`);
      return false;
    }
    await sleep(2_000);
  }
}

/**
 * Waits for the workers to account for every record, stops them (SIGTERM: each must end within the
 * stop timeout), and if records were still unaccounted for, runs one fresh worker until they are:
 * what is missing after that is lost, not merely late on a loaded machine.
 */
async function finish(stack: LocalStack, clients: AwsClients, id: string, file: string, expected: number, workers: Worker[]): Promise<{ ended: string[]; recovered: boolean }> {
  const settled = await settle(clients, id, expected, 120_000);
  const ended: string[] = [];
  for (const w of workers) ended.push(await w.stop());
  if (settled) return { ended, recovered: false };
  log(`${id}: a fresh worker picks up what is left`);
  const fresh = new Worker(stack, file, 'recovery');
  await settle(clients, id, expected, 120_000);
  ended.push(await fresh.stop());
  return { ended, recovered: true };
}

async function tally(clients: AwsClients, id: string, produced: number, validIds: Set<string> | undefined, t0: number, ended: string[], note: string, scenario: string): Promise<Row> {
  const seconds = Math.round((Date.now() - t0) / 1000);
  const ids = await scanIds(clients, `chaos-${id}-dump`);
  const dead = await safeCount(clients, `chaos-${id}-dead`);
  const counted = await sumCounts(clients, `chaos-${id}-counts`).catch(() => 0);
  const distinct = new Set(ids);
  // Lost: a valid record in no table. Duplicated: the exactly-once counter counted more records than data_dump holds.
  const lost = validIds ? [...validIds].filter((v) => !distinct.has(v)).length : Math.max(0, produced - ids.length - dead);
  const duplicated = Math.max(0, counted - ids.length) + (ids.length - distinct.size);
  const hung = ended.filter((e) => e === 'HUNG').length;
  return { scenario, produced, lost, duplicated, deadLettered: dead, ended: hung ? `${hung} HUNG` : ended.every((e) => e === 'ended') ? 'ended' : ended.join(', '), seconds, note };
}

async function killLoop(stack: LocalStack, clients: AwsClients): Promise<Row> {
  const id = `kill-${Date.now().toString(36)}`;
  const n = Math.round(100_000 * scale);
  const kills = Math.max(2, Math.round(20 * Math.min(1, scale * 4)));
  const file = writePipeline(seedPipeline(id, 4));
  await ensureStream(clients.kinesis, `chaos-${id}`, 4);
  const t0 = Date.now();
  let worker = new Worker(stack, file, 'w1');
  let killed = 0;
  const every = Math.max(500, Math.floor(n / (kills + 1) / 500) * 500);
  await produce(clients, `chaos-${id}`, seedRecords(n, 'k'), 2_000, async (sent) => {
    if (sent % every === 0 && killed < kills) {
      await sleep(300);
      await worker.kill();
      killed++;
      worker = new Worker(stack, file, 'w1');
    }
  });
  while (killed < kills) {
    await sleep(3_000);
    await worker.kill();
    killed++;
    worker = new Worker(stack, file, 'w1');
  }
  const { ended, recovered } = await finish(stack, clients, id, file, n, [worker]);
  return tally(clients, id, n, new Set(Array.from({ length: n }, (_, i) => `k${i}`)), t0, ended, `4 shards; the worker SIGKILLed ${killed} times and restarted${recovered ? '; a fresh worker finished the backlog' : ''}`, 'seed pipeline + seed-004 counts, worker SIGKILLed');
}

async function twoWorkers(stack: LocalStack, clients: AwsClients): Promise<Row> {
  const id = `two-${Date.now().toString(36)}`;
  const n = Math.round(40_000 * scale);
  const kills = Math.max(2, Math.round(10 * Math.min(1, scale * 4)));
  const file = writePipeline(seedPipeline(id, 4));
  await ensureStream(clients.kinesis, `chaos-${id}`, 4);
  const t0 = Date.now();
  const stable = new Worker(stack, file, 'stable');
  let victim = new Worker(stack, file, 'victim');
  let killed = 0;
  const every = Math.max(500, Math.floor(n / (kills + 1) / 500) * 500);
  await produce(clients, `chaos-${id}`, seedRecords(n, 't'), 1_500, async (sent) => {
    if (sent % every === 0 && killed < kills) {
      await victim.kill();
      killed++;
      await sleep(1_000);
      victim = new Worker(stack, file, 'victim');
    }
  });
  const { ended, recovered } = await finish(stack, clients, id, file, n, [victim, stable]);
  return tally(clients, id, n, new Set(Array.from({ length: n }, (_, i) => `t${i}`)), t0, ended, `4 shards shared by leases; one worker SIGKILLed ${killed} times${recovered ? '; a fresh worker finished the backlog' : ''}`, 'two workers, one SIGKILLed repeatedly');
}

async function emulatorFault(stack: LocalStack, clients: AwsClients, kind: 'kinesis' | 'dynamodb', fault: 'kill' | 'freeze'): Promise<Row> {
  const id = `${kind.slice(0, 3)}-${fault}-${Date.now().toString(36)}`;
  const n = Math.round(20_000 * Math.max(scale, 0.25));
  const file = writePipeline(seedPipeline(id, 2));
  await ensureStream(clients.kinesis, `chaos-${id}`, 2);
  const t0 = Date.now();
  const worker = new Worker(stack, file, 'w1');
  let done = false;
  await produce(clients, `chaos-${id}`, seedRecords(n, 'e'), 1_000, async (sent) => {
    if (done || sent < n / 4) return;
    done = true;
    const pid = stack.emulatorPids()[kind]!;
    if (fault === 'kill') {
      log(`SIGKILL ${kind} emulator ${pid} (restarted from --data-dir)`);
      process.kill(pid, 'SIGKILL');
    } else {
      log(`SIGSTOP ${kind} emulator ${pid} for 20 s`);
      process.kill(pid, 'SIGSTOP');
      setTimeout(() => process.kill(pid, 'SIGCONT'), 20_000);
    }
  });
  await sleep(fault === 'freeze' ? 21_000 : 2_000);
  const { ended, recovered } = await finish(stack, clients, id, file, n, [worker]);
  const note = `${fault === 'kill' ? 'SIGKILL; the stack restarts it from its data dir' : 'SIGSTOP for 20 s, then SIGCONT'}${recovered ? '; a fresh worker finished the backlog' : ''}`;
  return tally(clients, id, n, new Set(Array.from({ length: n }, (_, i) => `e${i}`)), t0, ended, note, `${kind === 'kinesis' ? 'Kinesis' : 'DynamoDB'} emulator ${fault === 'kill' ? 'killed' : 'frozen 20 s'}`);
}

/** 30% of every AWS call the worker makes is throttled (the pipeline's `faults:` block, SDK middleware). */
async function throttled(stack: LocalStack, clients: AwsClients): Promise<Row> {
  const id = `thr-${Date.now().toString(36)}`;
  const n = Math.round(20_000 * Math.max(scale, 0.25));
  const file = writePipeline({ ...seedPipeline(id, 2), faults: [{ operation: '*', throttle: '30%' }] });
  await ensureStream(clients.kinesis, `chaos-${id}`, 2);
  const t0 = Date.now();
  const worker = new Worker(stack, file, 'w1');
  await produce(clients, `chaos-${id}`, seedRecords(n, 'h'), 1_000);
  const { ended, recovered } = await finish(stack, clients, id, file, n, [worker]);
  return tally(clients, id, n, new Set(Array.from({ length: n }, (_, i) => `h${i}`)), t0, ended, `30% of every AWS call the worker makes throttled${recovered ? '; a fresh worker finished the backlog' : ''}`, 'injected throttling on every AWS operation');
}

async function fuzz(stack: LocalStack, clients: AwsClients): Promise<Row> {
  const id = `fuzz-${Date.now().toString(36)}`;
  const n = Math.max(FUZZ_KINDS.length * 10, Math.round(10_000 * scale));
  const file = writePipeline(seedPipeline(id, 2));
  await ensureStream(clients.kinesis, `chaos-${id}`, 2);
  const t0 = Date.now();
  const worker = new Worker(stack, file, 'w1');
  const records = Array.from({ length: n }, (_, i) => fuzzRecord(FUZZ_KINDS[i % FUZZ_KINDS.length]!, i));
  await produce(clients, `chaos-${id}`, records, 2_000);
  const { ended } = await finish(stack, clients, id, file, n, [worker]);
  return tally(clients, id, n, undefined, t0, ended, `${FUZZ_KINDS.length} kinds; every record in exactly one of data_dump / dead letters`, 'fuzzed records');
}

/** A fatal batch error (runtime SQL error) must end the process: five runs, each must exit non-zero within seconds. */
async function fatal(stack: LocalStack, clients: AwsClients): Promise<Row> {
  const id = `fatal-${Date.now().toString(36)}`;
  const config = seedPipeline(id, 1);
  config.outputs.push({ name: 'casted', sql: 'SELECT id, CAST(status AS INTEGER) AS s FROM hot_sensors', sink: { kind: 'console' } });
  const file = writePipeline(config);
  await ensureStream(clients.kinesis, `chaos-${id}`, 1);
  await produce(clients, `chaos-${id}`, seedRecords(300, 'f'), 10_000);
  const t0 = Date.now();
  const ended: string[] = [];
  for (let run = 0; run < 5; run++) {
    const w = new Worker(stack, file, 'w1');
    const code = await Promise.race([w.exited, sleep(60_000).then(() => 'hung' as const)]);
    if (code === 'hung') {
      w.child.kill('SIGKILL');
      ended.push('HUNG');
    } else ended.push(code !== 0 && /CAST|convert/i.test(w.stderr) ? 'ended' : `ended (exit ${code})`);
  }
  const row = await tally(clients, id, 300, undefined, t0, ended, '5 runs of a pipeline whose output fails at run time; each must exit 2 with the error', 'fatal SQL error (CAST)');
  // Nothing may be checkpointed past the failing batch: every record is unaccounted for by design, not lost.
  return { ...row, lost: 0, note: `${row.note}; ${ended.filter((e) => e === 'ended').length}/5 ended with the error` };
}

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((f) => existsSync(f));

/**
 * The worker's wall clock stepped back 1 h a quarter into production (its monotonic clock
 * untouched): through SLUICE_TEST_CLOCK_FILE, and through libfaketime (LD_PRELOAD, every clock
 * reading of the process, the SDK's included) when it is installed (`apt-get install faketime`).
 */
async function clockStep(stack: LocalStack, clients: AwsClients, how: 'file' | 'libfaketime'): Promise<Row> {
  const id = `clk-${how.slice(0, 4)}-${Date.now().toString(36)}`;
  const n = Math.round(20_000 * Math.max(scale, 0.25));
  const file = writePipeline(seedPipeline(id, 4));
  await ensureStream(clients.kinesis, `chaos-${id}`, 4);
  const offsetFile = join(work, `${id}.offset`);
  writeFileSync(offsetFile, how === 'file' ? '0' : '+0s');
  const env: Record<string, string> =
    how === 'file'
      ? { SLUICE_TEST_CLOCK_FILE: offsetFile }
      : { LD_PRELOAD: LIBFAKETIME!, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
  const t0 = Date.now();
  const worker = new Worker(stack, file, 'w1', env);
  let stepped = false;
  await produce(clients, `chaos-${id}`, seedRecords(n, 'c'), 1_000, async (sent) => {
    if (stepped || sent < n / 4) return;
    stepped = true;
    log(`${id}: the worker's wall clock steps back 1 h (${how})`);
    writeFileSync(offsetFile, how === 'file' ? String(-3_600_000) : '-3600s');
  });
  const { ended, recovered } = await finish(stack, clients, id, file, n, [worker]);
  const note = `4 shards; wall clock stepped back 1 h a quarter into production (${how === 'file' ? 'SLUICE_TEST_CLOCK_FILE' : 'libfaketime, monotonic clock untouched'})${recovered ? '; a fresh worker finished the backlog (the worker had stalled)' : ''}`;
  return tally(clients, id, n, new Set(Array.from({ length: n }, (_, i) => `c${i}`)), t0, ended, note, `wall clock stepped back 1 h (${how})`);
}

/**
 * Two workers on 4 shards; one SIGSTOPped past failover a quarter into production (for 8 s), and once
 * more at the end until the other has written everything, then SIGCONTed. Records of sensor k (k = i mod 50) share a partition key, so each sensor lives on one
 * shard and its newest record is the one with the largest i: a keyed `latest` table (one item per
 * sensor) must end with it. A frozen worker writing its stale batch leaves an older one (stale).
 */
async function frozenWorker(stack: LocalStack, clients: AwsClients): Promise<Row> {
  const id = `frz-${Date.now().toString(36)}`;
  const n = Math.round(30_000 * Math.max(scale, 0.25));
  const config = seedPipeline(id, 4);
  config.outputs.push({
    name: 'latest',
    sql: "SELECT 'sensor-' || CAST(CAST(substr(id, 2) AS INTEGER) % 50 AS VARCHAR) AS sensor, CAST(substr(id, 2) AS INTEGER) AS i FROM hot_sensors",
    sink: { kind: 'dynamodb', table: `chaos-${id}-latest`, keyColumns: ['sensor'] },
  });
  const file = writePipeline(config);
  await ensureStream(clients.kinesis, `chaos-${id}`, 4);
  const t0 = Date.now();
  const stable = new Worker(stack, file, 'stable');
  const victim = new Worker(stack, file, 'victim');
  let frozen = 0;
  const every = Math.max(1_000, Math.floor(n / 4 / 500) * 500);
  await produce(
    clients,
    `chaos-${id}`,
    seedRecords(n, 'z'),
    1_000,
    async (sent) => {
      if (sent >= n) {
        // The last freeze, right after the last records were sent: the worker has them in hand
        // (or reads them from its old iterators when it resumes). Resumed once the other worker
        // has written everything.
        frozen++;
        log(`${id}: SIGSTOP the victim until the other worker has caught up`);
        victim.child.kill('SIGSTOP');
        await settle(clients, id, n, 120_000);
        await sleep(3_000);
        victim.child.kill('SIGCONT');
        await sleep(5_000);
        return;
      }
      if (sent % every !== 0 || frozen >= 1) return;
      frozen++;
      log(`${id}: SIGSTOP the victim for 8 s (failover 3 s)`);
      victim.child.kill('SIGSTOP');
      await sleep(8_000);
      victim.child.kill('SIGCONT');
    },
    (i) => `sensor-${i % 50}`,
  );
  const { ended, recovered } = await finish(stack, clients, id, file, n, [victim, stable]);
  const items: { sensor: string; i: number }[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const r = await clients.dynamodb.send(new ScanCommand({ TableName: `chaos-${id}-latest`, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of r.Items ?? []) items.push({ sensor: item.sensor?.S ?? '', i: Number(item.i?.N ?? -1) });
    start = r.LastEvaluatedKey;
  } while (start);
  const newest = (k: number) => Math.floor((n - 1 - k) / 50) * 50 + k;
  const stale = items.filter((it) => it.i !== newest(Number(it.sensor.slice('sensor-'.length)))).length;
  const row = await tally(clients, id, n, new Set(Array.from({ length: n }, (_, i) => `z${i}`)), t0, ended, '', 'two workers, one frozen (SIGSTOP) past failover');
  return {
    ...row,
    // A stale item is a lost update: count it as lost so the suite fails on it.
    lost: row.lost + stale + Math.max(0, 50 - items.length),
    note: `4 shards; one worker SIGSTOPped ${frozen} times past failover (3 s): once for 8 s a quarter into production, once at its end until the other had written everything; ${stale} of 50 sensors left with an older value than their newest in the keyed table${recovered ? '; a fresh worker finished the backlog' : ''}`,
  };
}

const scenarios: Record<string, (stack: LocalStack, clients: AwsClients) => Promise<Row[]>> = {
  kill: async (s, c) => [await killLoop(s, c)],
  'two-workers': async (s, c) => [await twoWorkers(s, c)],
  emulator: async (s, c) => [
    await emulatorFault(s, c, 'dynamodb', 'kill'),
    await emulatorFault(s, c, 'dynamodb', 'freeze'),
    await emulatorFault(s, c, 'kinesis', 'kill'),
    await emulatorFault(s, c, 'kinesis', 'freeze'),
  ],
  fuzz: async (s, c) => [await fuzz(s, c)],
  fatal: async (s, c) => [await fatal(s, c)],
  throttle: async (s, c) => [await throttled(s, c)],
  'clock-step': async (s, c) => {
    const rows = [await clockStep(s, c, 'file')];
    if (LIBFAKETIME) rows.push(await clockStep(s, c, 'libfaketime'));
    else log('clock-step: libfaketime not installed (apt-get install faketime); its row is skipped');
    return rows;
  },
  'frozen-worker': async (s, c) => [await frozenWorker(s, c)],
};

const stack = await startLocalStack({ dataDir: join(work, 'stack') });
stack.onEmulatorExit((e) => log(`${e.kind} emulator ${e.how}${e.restarted ? ', restarted' : ''}`));
const clients = createAwsClients(stack.connection);
const rows: Row[] = [];
try {
  for (const [name, run] of Object.entries(scenarios)) {
    if (only && only !== name) continue;
    log(`scenario ${name} (scale ${scale})`);
    for (const row of await run(stack, clients)) {
      rows.push(row);
      log(JSON.stringify(row));
    }
  }
} finally {
  clients.close();
  await stack.close();
}

const header = '| scenario | produced | lost | duplicated | dead-lettered | workers | time | notes |\n|---|--:|--:|--:|--:|---|--:|---|';
const lines = rows.map((r) => `| ${r.scenario} | ${r.produced} | ${r.lost} | ${r.duplicated} | ${r.deadLettered} | ${r.ended} | ${r.seconds} s | ${r.note} |`);
process.stdout.write(`\nsluice chaos suite, scale ${scale}, ${new Date().toISOString()}\n\n${header}\n${lines.join('\n')}\n`);
process.exitCode = rows.some((r) => r.lost > 0 || r.duplicated > 0 || /HUNG/.test(r.ended)) ? 1 : 0;
