/**
 * The Lambda handler against a hand-written handler doing the same work: decode base64 CSV
 * records, write each as an item to DynamoDB (BatchWriteItem, 25 per call, 8 in flight, unprocessed
 * items resent), return batchItemFailures. Both write to the embedded DynamoDB (dynalite).
 *
 *  - cold start: a fresh `node` importing the packaged zip's index.mjs vs the hand handler bundled
 *    with esbuild the same way (5 runs each, alternating; median);
 *  - first invocation: building the handler and its first 100-record event (DuckDB, sinks, tables);
 *  - per invocation: events of 100 and 10,000 records, alternating sluice / hand, 5 each; median ms,
 *    overhead (sluice - hand) and ratio.
 *  - windowed cold start: a new handler's first 100-record event for the same pipeline with a
 *    sliding window and a top-k output (planned for Lambda at cold start: the top-k skipped) vs
 *    without them, alternating; what `createHandler('./pipeline.yaml')` of a windowed pipeline
 *    pays (a `sluice lambda package` bundle is planned at packaging instead).
 *
 * BENCH_QUICK=1 runs 3 repetitions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createAwsClients } from '../src/aws/clients.js';
import { ensureTable } from '../src/aws/admin.js';
import { startLocalStack } from '../src/local/stack.js';
import { createHandler } from '../src/lambda/handler.js';
import { extractZip, packageLambda, timeImport } from '../src/lambda/package.js';

const REPS = process.env.BENCH_QUICK === '1' ? 3 : 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const HAND = `
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
const db = new DynamoDBClient({ region: process.env.AWS_REGION, maxAttempts: 3, ...(process.env.AWS_ENDPOINT_URL_DYNAMODB ? { endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB } : {}) });
const TABLE = process.env.HAND_TABLE;
async function put(requests) {
  let left = requests;
  while (left.length > 0) {
    const r = await db.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: left } }));
    left = r.UnprocessedItems?.[TABLE] ?? [];
  }
}
export async function handler(event) {
  const items = [];
  for (const r of event.Records) {
    const text = Buffer.from(r.kinesis.data, 'base64').toString('utf8');
    const parts = text.split(',');
    const temp = Number(parts[1]);
    if (parts.length !== 3 || !Number.isInteger(temp)) continue;
    const shard = r.eventID.slice(0, r.eventID.lastIndexOf(':'));
    const seq = r.kinesis.sequenceNumber;
    items.push({ PutRequest: { Item: { record_id: { S: shard + '#' + seq }, id: { S: parts[0] }, currentTemp: { N: String(temp) }, status: { S: parts[2] }, _shard: { S: shard }, _seq: { S: seq } } } });
  }
  const chunks = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  try {
    await Promise.all(Array.from({ length: 8 }, async () => { while (next < chunks.length) await put(chunks[next++]); }));
  } catch {
    return { batchItemFailures: event.Records.length ? [{ itemIdentifier: event.Records[0].kinesis.sequenceNumber }] : [] };
  }
  return { batchItemFailures: [] };
}
`;

let seqBase = 49_000_000_000_000_000_000_000_000_000n;
function event(n: number): KinesisStreamEvent {
  const Records: KinesisStreamRecord[] = [];
  for (let i = 0; i < n; i++) {
    const seq = String(seqBase++);
    Records.push({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: `p${i}`, sequenceNumber: seq, data: Buffer.from(`sensor-${i % 50},${10 + ((i * 37) % 541)},${['OK', 'WARN', 'FAIL'][i % 3]}`).toString('base64'), approximateArrivalTimestamp: Date.now() / 1000 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    });
  }
  return { Records };
}

const stack = await startLocalStack();
const clients = createAwsClients(stack.connection);
const work = mkdtempSync(join(tmpdir(), 'sluice-lambda-bench-'));
try {
  const creds = stack.connection.credentials!;
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: stack.connection.dynamodbEndpoint!,
    HAND_TABLE: 'bench-hand',
  });
  await ensureTable(clients.dynamodb, 'bench-hand', { partitionKey: { name: 'record_id', type: 'S' } });
  const pipeline = join(work, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    [
      'app: bench-lambda',
      'source: { stream: bench }',
      'format: { kind: csv, columns: [{ name: id, type: string }, { name: currentTemp, type: int }, { name: status, type: string }] }',
      'outputs:',
      '  - { name: rows, sql: "SELECT id, currentTemp, status, _shard, _seq FROM events", sink: { kind: dynamodb, table: bench-sluice } }',
      'deadLetter: { table: bench-lambda-dead }',
    ].join('\n'),
  );

  // Cold start: import in a fresh node.
  const t0 = performance.now();
  const pkg = await packageLambda({ pipelineFile: pipeline, out: join(work, 'lambda.zip'), arch: 'x86_64' });
  const packMs = performance.now() - t0;
  const dir = extractZip(pkg.out);
  writeFileSync(join(work, 'hand-src.mjs'), HAND);
  await build({ entryPoints: [join(work, 'hand-src.mjs')], outfile: join(dir, 'hand.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', minify: true, nodePaths: [resolve('node_modules')], logLevel: 'silent', banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
  const coldSluice: number[] = [];
  const coldHand: number[] = [];
  for (let i = 0; i < REPS; i++) {
    coldSluice.push(timeImport(dir, 'index.mjs'));
    coldHand.push(timeImport(dir, 'hand.mjs'));
  }
  process.stdout.write(
    `case=cold-start zipMB=${(pkg.zipBytes / 1048576).toFixed(1)} unzippedMB=${(pkg.unzippedBytes / 1048576).toFixed(1)} packageMs=${packMs.toFixed(0)} sluiceImportMs=${median(coldSluice).toFixed(0)} handImportMs=${median(coldHand).toFixed(0)} ratio=${(median(coldSluice) / median(coldHand)).toFixed(2)} runs=${REPS}\n`,
  );

  // In-process handlers: the hand one from its bundle, sluice from the sources.
  const hand = (await import(pathToFileURL(join(dir, 'hand.mjs')).href)) as { handler: (e: KinesisStreamEvent) => Promise<{ batchItemFailures: unknown[] }> };
  const tf0 = performance.now();
  const sluice = createHandler(pipeline, { clients });
  const r0 = await sluice(event(100));
  const firstSluice = performance.now() - tf0;
  const th0 = performance.now();
  await hand.handler(event(100));
  const firstHand = performance.now() - th0;
  if (r0.batchItemFailures?.length) throw new Error('sluice handler reported failures');
  process.stdout.write(`case=first-invocation records=100 sluiceMs=${firstSluice.toFixed(0)} handMs=${firstHand.toFixed(0)}\n`);

  for (const n of [100, 10_000]) {
    const s: number[] = [];
    const h: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const es = event(n);
      const a = performance.now();
      const rs = await sluice(es);
      s.push(performance.now() - a);
      const eh = event(n);
      const b = performance.now();
      const rh = await hand.handler(eh);
      h.push(performance.now() - b);
      if (rs.batchItemFailures?.length || rh.batchItemFailures.length) throw new Error('a handler reported failures');
    }
    const ms = median(s);
    const mh = median(h);
    process.stdout.write(`case=per-invocation records=${n} sluiceMs=${ms.toFixed(1)} handMs=${mh.toFixed(1)} overheadMs=${(ms - mh).toFixed(1)} ratio=${(ms / mh).toFixed(2)} runs=${REPS}\n`);
  }
  await sluice.close();

  const windowed = join(work, 'windowed.yaml');
  writeFileSync(
    windowed,
    [
      'app: bench-lambda',
      'source: { stream: bench }',
      'format: { kind: csv, columns: [{ name: id, type: string }, { name: currentTemp, type: int }, { name: status, type: string }] }',
      'window: { kind: sliding, length: 20s, slide: 1s }',
      'outputs:',
      '  - { name: rows, sql: "SELECT id, currentTemp, status, _shard, _seq FROM events", sink: { kind: dynamodb, table: bench-sluice } }',
      '  - { name: hottest, sql: "SELECT id, currentTemp FROM events ORDER BY currentTemp DESC LIMIT 2", sink: { kind: console } }',
      'deadLetter: { table: bench-lambda-dead }',
    ].join('\n'),
  );
  const firstOf = async (file: string) => {
    const t = performance.now();
    const h = createHandler(file, { clients, out: () => undefined });
    const r = await h(event(100));
    const ms = performance.now() - t;
    await h.close();
    if (r.batchItemFailures?.length) throw new Error('a handler reported failures');
    return ms;
  };
  const cw: number[] = [];
  const cp: number[] = [];
  for (let i = 0; i < REPS; i++) {
    cw.push(await firstOf(windowed));
    cp.push(await firstOf(pipeline));
  }
  process.stdout.write(`case=windowed-cold-start records=100 windowedMs=${median(cw).toFixed(0)} plainMs=${median(cp).toFixed(0)} ratio=${(median(cw) / median(cp)).toFixed(2)} runs=${REPS}\n`);
  rmSync(dir, { recursive: true, force: true });
} finally {
  rmSync(work, { recursive: true, force: true });
  clients.close();
  await stack.close();
}
