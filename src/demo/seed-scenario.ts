import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AwsClients } from '../aws/clients.js';
import { ensureStream } from '../aws/admin.js';
import { StreamingQuery } from '../engine/streaming-query.js';
import { compileTemplate } from '../generator/template.js';
import { pace } from '../generator/rate.js';
import { KinesisProducer, type ProducerRecord } from '../kinesis/producer.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { loadPipelineFile } from '../pipeline/validate.js';
import { countItems } from './count.js';
import { MALFORMED_KINDS, malformedRecord, seededRandom } from './malformed.js';

/** Seed 001's KDG template. */
export const SEED_TEMPLATE = '{{name.firstName}},{{random.number({"min":10, "max":550})}},{{random.arrayElement(["OK","FAIL","WARN"])}}';

export const SEED_PIPELINE_FILE = join(fileURLToPath(import.meta.url), '..', '..', '..', 'examples', 'anomaly-detection.yaml');

export interface DemoOptions {
  clients: AwsClients;
  /** Records to produce; omitted runs until `signal` aborts. */
  records?: number;
  /** Records per second. */
  rate: number;
  /** Fraction of records replaced by malformed ones. */
  badRatio: number;
  seed?: number;
  shards: number;
  /** Pipeline to run; default the seed pipeline in examples/. */
  pipeline?: PipelineConfig;
  /** Keep every column of the window queryable (the dashboard's SQL box). */
  retainWindow?: boolean;
  signal?: AbortSignal;
  /** Called with the query before it starts, to subscribe to its events. */
  onQuery?: (query: StreamingQuery) => void;
  /** How long to wait for the pipeline to catch up after producing stops. Default 60 s. */
  drainTimeoutMs?: number;
  /** Where the console sink prints. */
  out?: (text: string) => void;
}

export interface DemoSummary {
  produced: number;
  valid: number;
  anomalies: number;
  deadLetters: number;
  malformedByKind: Record<string, number>;
  tables: Record<string, number>;
  /** True when every table holds exactly what was produced. */
  consistent: boolean;
  elapsedMs: number;
  recordsPerSecond: number;
}

/**
 * Seed 001 end to end: produce the KDG template's traffic (with malformed records mixed in) into
 * `kinesis-stream`, run the seed pipeline over it, wait until every produced record has been
 * processed and checkpointed, then count what landed in each table.
 */
export async function runSeedScenario(o: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const config = o.pipeline ?? loadPipelineFile(SEED_PIPELINE_FILE);
  // Read from the start: the consumer starts before the producer, but a finite run must not depend on that race.
  config.source.startingPosition = 'trim_horizon';
  await ensureStream(o.clients.kinesis, config.source.stream, o.shards);
  const query = new StreamingQuery({ config, clients: o.clients, ...(o.out ? { out: o.out } : {}), ...(o.retainWindow ? { retainWindow: true } : {}) });
  o.onQuery?.(query);
  await query.start();
  // If the pipeline fails (a sink refuses, the stream vanishes), stop producing and report it.
  let failure: unknown;
  const failed = new AbortController();
  query.awaitTermination().catch((error: unknown) => {
    failure = error;
    failed.abort();
  });
  const signal = o.signal ? AbortSignal.any([o.signal, failed.signal]) : failed.signal;

  const template = compileTemplate(SEED_TEMPLATE, o.seed === undefined ? {} : { seed: o.seed });
  const random = seededRandom(o.seed ?? Date.now());
  const producer = new KinesisProducer(o.clients.kinesis, config.source.stream, { concurrency: 4 });
  const malformedByKind: Record<string, number> = {};
  let produced = 0;
  let valid = 0;
  let anomalies = 0;
  let n = 0;
  try {
    for await (const count of pace({ ratePerSecond: o.rate, signal, ...(o.records !== undefined ? { count: o.records } : {}) })) {
      const batch: ProducerRecord[] = [];
      const kinds: (string | number)[] = [];
      for (let i = 0; i < count; i++, n++) {
        if (random() < o.badRatio) {
          const kind = MALFORMED_KINDS[Math.floor(random() * MALFORMED_KINDS.length)]!;
          batch.push({ data: malformedRecord(kind, n), partitionKey: `bad-${n}` });
          kinds.push(kind);
        } else {
          const r = template.renderRecord();
          batch.push({ data: Buffer.from(r.text), partitionKey: `${r.values[0]}-${n}` });
          kinds.push(Number(r.values[1]));
        }
      }
      const result = await producer.send(batch);
      result.outcomes.forEach((outcome, i) => {
        if (outcome.status !== 'ok') return;
        produced++;
        const k = kinds[i]!;
        if (typeof k === 'string') malformedByKind[k] = (malformedByKind[k] ?? 0) + 1;
        else {
          valid++;
          if (k > 100) anomalies++;
        }
      });
    }
    // Wait until every accepted record has been read and processed (after Ctrl-C too, up to
    // drainTimeoutMs); stop() then runs a final batch and checkpoint.
    const deadline = Date.now() + (o.drainTimeoutMs ?? 60_000);
    while (query.totals.records < produced && Date.now() < deadline && !failure) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await query.stop('demo finished');
  }
  if (failure) throw failure;

  const dumpTable = config.outputs.find((x) => x.name === 'data_dump')?.sink;
  const anomalyTable = config.outputs.find((x) => x.name === 'data_anomaly')?.sink;
  const tables: Record<string, number> = {};
  for (const s of [dumpTable, anomalyTable]) if (s?.kind === 'dynamodb') tables[s.table] = await countItems(o.clients.dynamodb, s.table);
  if (config.deadLetter) tables[config.deadLetter.table] = await countItems(o.clients.dynamodb, config.deadLetter.table);
  const deadLetters = produced - valid;
  const consistent =
    (dumpTable?.kind !== 'dynamodb' || tables[dumpTable.table] === valid) &&
    (anomalyTable?.kind !== 'dynamodb' || tables[anomalyTable.table] === anomalies) &&
    (!config.deadLetter || tables[config.deadLetter.table] === deadLetters);
  const elapsedMs = Date.now() - started;
  return { produced, valid, anomalies, deadLetters, malformedByKind, tables, consistent, elapsedMs, recordsPerSecond: Math.round((produced * 1000) / elapsedMs) };
}
