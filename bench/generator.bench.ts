/**
 * The generator: rendered records/s for the seed template and a JSON template with dates, next to a
 * plain template-literal loop making the same shape with the same faker/moment calls (so the ratio
 * is the cost of the template machinery); and the producer's sustained rate into the embedded stack
 * (generate in simulated time, so nothing waits for a rate) as a share of a bare PutRecords loop
 * sending the same number of records with the same concurrency, in the same run.
 * Medians of REPS repetitions; ratios are Sluice / baseline.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { base, en, Faker } from '@faker-js/faker';
import moment from 'moment';
import { createAwsClients } from '../src/aws/clients.js';
import { ensureStream } from '../src/aws/admin.js';
import { startLocalStack } from '../src/local/stack.js';
import { generate } from '../src/generator/generate.js';
import { compileTemplate } from '../src/generator/template.js';
import { KinesisProducer } from '../src/kinesis/producer.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '20000,100000').split(',').map(Number);
const PRODUCE_N = Number(process.env.BENCH_RECORDS ?? 20_000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const SEED = '{{name.firstName}},{{random.number({"min":10, "max":550})}},{{random.arrayElement(["OK","FAIL","WARN"])}}';
const JSON_DATES = `{
  "id": "{{random.uuid}}",
  "temp": {{random.number({"min":10,"max":150})}},
  "status": "{{random.arrayElement(["OK","FAIL","WARN"])}}",
  "at": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}",
  "local": "{{date.now("DD/MMM/YYYY:HH:mm:ss Z")}}"
}`;

function fakerWith(seed: number): Faker {
  const f = new Faker({ locale: [en, base] });
  f.seed(seed);
  return f;
}

/** Records/s of `make` over n records (a checksum keeps the work from being optimised away). */
function rate(n: number, make: () => string): number {
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) bytes += make().length;
  const s = (performance.now() - t0) / 1000;
  if (bytes === 0) throw new Error('nothing rendered');
  return n / s;
}

const STATUSES = ['OK', 'FAIL', 'WARN'];
const baselines: Record<string, (f: Faker) => () => string> = {
  seed: (f) => () => `${f.person.firstName()},${f.number.int({ min: 10, max: 550 })},${f.helpers.arrayElement(STATUSES)}\n`,
  'json+dates': (f) => () => {
    const now = Date.now();
    return `{  "id": "${f.string.uuid()}",  "temp": ${f.number.int({ min: 10, max: 150 })},  "status": "${f.helpers.arrayElement(STATUSES)}",  "at": "${moment.utc(now).format('YYYY-MM-DDTHH:mm:ss.SSS[Z]')}",  "local": "${moment(now).format('DD/MMM/YYYY:HH:mm:ss Z')}"}\n`;
  },
};
const templates: Record<string, string> = { seed: SEED, 'json+dates': JSON_DATES };

// Same shape check: the template and the literal render records of equal structure.
for (const name of Object.keys(templates)) {
  const t = compileTemplate(templates[name]!, { seed: 1, framing: 'kdg' }).render();
  const b = baselines[name]!(fakerWith(1))();
  const shape = (s: string) => s.replace(/[\p{L}\d:./+-]+/gu, 'x');
  if (shape(t) !== shape(b)) throw new Error(`baseline shape differs for ${name}:\n${t}${b}`);
}

console.log(`render (records/s, median of ${REPS}; ratio = template / template-literal loop)`);
console.log('| template | records | template | literal loop | ratio |');
console.log('|---|---:|---:|---:|---:|');
for (const name of Object.keys(templates)) {
  for (const n of SIZES) {
    const ours: number[] = [];
    const lit: number[] = [];
    rate(2000, compileTemplate(templates[name]!, { seed: 99, framing: 'kdg' }).render); // warm-up
    rate(2000, baselines[name]!(fakerWith(99)));
    for (let rep = 0; rep < REPS; rep++) {
      const t = compileTemplate(templates[name]!, { seed: rep, framing: 'kdg' });
      const b = baselines[name]!(fakerWith(rep));
      if (rep % 2 === 0) {
        ours.push(rate(n, t.render));
        lit.push(rate(n, b));
      } else {
        lit.push(rate(n, b));
        ours.push(rate(n, t.render));
      }
    }
    console.log(`| ${name} | ${fmt(n)} | ${fmt(median(ours))} | ${fmt(median(lit))} | ${(median(ours) / median(lit)).toFixed(2)} |`);
  }
}

const stack = await startLocalStack();
const clients = createAwsClients(stack.connection);
let run = 0;
async function freshStream(): Promise<string> {
  const stream = `bench-gen-${process.pid}-${run++}`;
  await ensureStream(clients.kinesis, stream, 2);
  return stream;
}

/** A bare PutRecords loop: 500-record calls, 4 in flight, pre-rendered payloads. */
async function barePutRecords(payloads: Uint8Array[]): Promise<number> {
  const stream = await freshStream();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < payloads.length) {
        const start = next;
        next += 500;
        const chunk = payloads.slice(start, start + 500);
        const r = await clients.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: chunk.map((d, j) => ({ Data: d, PartitionKey: `k${start + j}` })) }));
        if (r.FailedRecordCount) throw new Error(`${r.FailedRecordCount} records refused by the bare loop`);
      }
    }),
  );
  return payloads.length / ((performance.now() - t0) / 1000);
}

async function producerSend(payloads: Uint8Array[]): Promise<number> {
  const producer = new KinesisProducer(clients.kinesis, await freshStream(), { concurrency: 4 });
  const t0 = performance.now();
  const r = await producer.send(payloads.map((data, i) => ({ data, partitionKey: `k${i}` })));
  if (r.failed) throw new Error(`${r.failed} records failed`);
  return payloads.length / ((performance.now() - t0) / 1000);
}

async function generateSimulated(): Promise<number> {
  const producer = new KinesisProducer(clients.kinesis, await freshStream(), { concurrency: 4 });
  const startMs = Date.UTC(2024, 0, 1);
  const t0 = performance.now();
  const s = await generate({ template: SEED, rate: 1000, count: PRODUCE_N, simulate: { startMs, endMs: startMs + 86_400_000 }, producer });
  if (s.sent !== PRODUCE_N) throw new Error(`generate sent ${s.sent} of ${PRODUCE_N}`);
  return PRODUCE_N / ((performance.now() - t0) / 1000);
}

const seedT = compileTemplate(SEED, { seed: 3, framing: 'kdg' });
const enc = new TextEncoder();
const payloads = Array.from({ length: PRODUCE_N }, () => enc.encode(seedT.render()));
const rows: Record<string, number[]> = { bare: [], send: [], generate: [] };
const paths: [string, () => Promise<number>][] = [['bare', () => barePutRecords(payloads)], ['send', () => producerSend(payloads)], ['generate', generateSimulated]];
try {
  await barePutRecords(payloads.slice(0, 2000)); // warm the emulator and the SDK before measuring
  for (let rep = 0; rep < REPS; rep++) {
    // rotate the order each repetition, so no path always runs first
    for (let k = 0; k < paths.length; k++) {
      const [name, measure] = paths[(rep + k) % paths.length]!;
      rows[name]!.push(await measure());
    }
  }
} finally {
  clients.close();
  await stack.close();
}
const bare = median(rows.bare!);
console.log(`\nproduce into the embedded Kinesis (${fmt(PRODUCE_N)} seed records, 2 shards, 4 calls in flight; median of ${REPS})`);
console.log('| path | records/s | share of bare PutRecords |');
console.log('|---|---:|---:|');
console.log(`| bare PutRecords loop (pre-rendered) | ${fmt(bare)} | 1.00 |`);
console.log(`| KinesisProducer.send (pre-rendered) | ${fmt(median(rows.send!))} | ${(median(rows.send!) / bare).toFixed(2)} |`);
console.log(`| generate, simulated time (render + send) | ${fmt(median(rows.generate!))} | ${(median(rows.generate!) / bare).toFixed(2)} |`);
