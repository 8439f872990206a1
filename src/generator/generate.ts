import { randomUUID } from 'node:crypto';
import { base, en, Faker } from '@faker-js/faker';
import { invalidOption, SluiceError } from '../errors.js';
import type { KinesisProducer, ProducerRecord, SendResult } from '../kinesis/producer.js';
import { pace, systemClock, type Clock } from './rate.js';
import { planDurationMs, rateFunction, seededRandom, type RatePlan } from './rate-plan.js';
import { compileTemplateSet, type TemplatePick, type TemplateSet, type TemplateSpec } from './template-set.js';
import type { CompiledTemplate, Framing, RenderedRecord } from './template.js';

/** `'random'` (a UUID per record), `'template-field:N'` (the Nth placeholder's value, 0-based), or any other text as a fixed key. */
export type PartitionKeyMode = 'random' | `template-field:${number}` | (string & {});

export type PartitionKeySpec = { kind: 'random' } | { kind: 'templateField'; index: number } | { kind: 'fixed'; key: string };

/** Reads a partition-key mode against the template's placeholder count. */
export function parsePartitionKey(mode: PartitionKeyMode, placeholderCount: number, template = 'the template'): PartitionKeySpec {
  if (mode === 'random') return { kind: 'random' };
  const field = /^template-field:(.*)$/.exec(mode);
  if (field) {
    const index = Number(field[1]);
    if (!Number.isInteger(index) || index < 0 || index >= placeholderCount) {
      throw new SluiceError(
        `Invalid partitionKey: ${JSON.stringify(mode)}: ${template} has ${placeholderCount} placeholder(s). Fix: use template-field:0 to template-field:${Math.max(0, placeholderCount - 1)} (0-based placeholder index)`,
        { domain: 'user', code: 'InvalidOption' },
      );
    }
    return { kind: 'templateField', index };
  }
  const chars = [...mode].length;
  if (chars < 1 || chars > 256) {
    throw new SluiceError(`Invalid partitionKey: ${JSON.stringify(mode)}. Fix: use 'random', 'template-field:N', or a fixed key of 1 to 256 characters`, { domain: 'user', code: 'InvalidOption' });
  }
  return { kind: 'fixed', key: mode };
}

export interface GenerateProgress {
  readonly generated: number;
  readonly sent: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Records accepted per second since the start. */
  readonly ratePerSecond: number;
  /** In simulation, the simulated instant reached (epoch ms). */
  readonly simulatedTime?: number;
}

export interface GenerateSummary extends GenerateProgress {
  /** Failed records by Kinesis error code: failures are reported, never dropped silently. */
  readonly failuresByCode: Readonly<Record<string, number>>;
}

/** KDG's simulation mode: produce the traffic of [startMs, endMs) as fast as the stream accepts. */
export interface SimulatedTime {
  readonly startMs: number;
  readonly endMs: number;
}

export interface GenerateOptions {
  /** A template source, one already compiled (its own seed and clock then apply), or several templates. */
  template: string | CompiledTemplate | readonly TemplateSpec[];
  /** Records per second, or a plan: a schedule of steps and ramps, or a periodic curve. */
  rate: number | RatePlan;
  /** With several templates: in turn, or by weight. Default: by weight when any template has one. */
  pick?: TemplatePick;
  /** Default `'kdg'`: line breaks removed, one newline after each record. Ignored for a compiled template. */
  framing?: Framing;
  /** Simulated time: `date.now` follows a clock from start to end, and nothing waits for the wall clock. */
  simulate?: SimulatedTime;
  count?: number;
  durationMs?: number;
  /** Makes the records (and random partition keys, weights and periodic draws) reproducible. */
  seed?: number;
  /** Default `'random'`. */
  partitionKey?: PartitionKeyMode;
  producer: Pick<KinesisProducer, 'send'>;
  signal?: AbortSignal;
  onProgress?: (progress: GenerateProgress) => void;
  /** Pacer tick in ms. Default 100. */
  tickMs?: number;
  clock?: Clock;
  /** Clock for `date.*` placeholders and periodic curves, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** Records rendered before each send in simulation: four PutRecords calls of 500 in flight. */
const SIMULATION_BATCH = 2000;

function keyFunction(spec: PartitionKeySpec, seed: number | undefined): (r: RenderedRecord) => string {
  switch (spec.kind) {
    case 'fixed':
      return () => spec.key;
    case 'random': {
      if (seed === undefined) return () => randomUUID();
      // Its own faker, so the template renders the same whichever key mode is chosen.
      const keys = new Faker({ locale: [en, base] });
      keys.seed(seed);
      return () => keys.string.uuid();
    }
    case 'templateField':
      return (r) => {
        const key = r.values[spec.index] as string;
        const chars = [...key].length;
        if (chars < 1 || chars > 256) {
          throw new SluiceError(
            `Invalid partition key from template-field:${spec.index}: ${JSON.stringify(key.slice(0, 40))} (${chars} characters). Fix: key on a placeholder that renders 1 to 256 characters`,
            { domain: 'user', code: 'InvalidPartitionKey' },
          );
        }
        return key;
      };
  }
}

function templateSet(options: GenerateOptions, now: () => number): TemplateSet {
  const t = options.template;
  if (typeof t !== 'string' && !Array.isArray(t)) {
    if (options.simulate) throw invalidOption('template', (t as CompiledTemplate).name, 'give the template source, so that date.now can follow the simulated clock');
    return { templates: [t as CompiledTemplate], next: () => t as CompiledTemplate };
  }
  const specs: readonly TemplateSpec[] = typeof t === 'string' ? [{ source: t }] : (t as readonly TemplateSpec[]);
  return compileTemplateSet(specs, {
    now,
    framing: options.framing ?? 'kdg',
    ...(options.pick ? { pick: options.pick } : {}),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
}

/**
 * Renders records from KDG templates and writes them through the producer, at a steady rate, on
 * a schedule or a periodic curve, in real time or in simulated time. Stops at `count`, after
 * `durationMs` (or the schedule's end, or the simulation's end), or when `signal` aborts.
 */
export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const plan: RatePlan = typeof options.rate === 'number' ? { kind: 'steady', perSecond: options.rate } : options.rate;
  if (plan.kind === 'steady' && !(plan.perSecond > 0 && Number.isFinite(plan.perSecond))) {
    throw invalidOption('rate', plan.perSecond, 'use a positive number of records per second, e.g. 100');
  }
  const wallNow = options.now ?? Date.now;
  let simNow = options.simulate?.startMs ?? 0;
  const set = templateSet(options, options.simulate ? () => simNow : wallNow);
  const mode = options.partitionKey ?? 'random';
  const keySpecs = set.templates.map((t) => parsePartitionKey(mode, t.placeholders.length, t.name));
  const keyOf = keyFunction(keySpecs[0] as PartitionKeySpec, options.seed);
  const rateAt = rateFunction(plan, seededRandom((options.seed ?? Math.floor(Math.random() * 2 ** 31)) ^ 0x5eed));
  const clock = options.clock ?? systemClock;
  const encoder = new TextEncoder();
  const start = clock.now();
  const failuresByCode: Record<string, number> = {};
  let generated = 0;
  let sent = 0;
  let failed = 0;
  const progress = (): GenerateProgress => {
    const elapsedMs = clock.now() - start;
    return {
      generated, sent, failed, elapsedMs,
      ratePerSecond: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0,
      ...(options.simulate ? { simulatedTime: simNow } : {}),
    };
  };
  const record = (): ProducerRecord => {
    const r = set.next().renderRecord();
    return { data: encoder.encode(r.text), partitionKey: keyOf(r) };
  };
  const send = async (records: ProducerRecord[]): Promise<void> => {
    generated += records.length;
    const result: SendResult = await options.producer.send(records);
    sent += result.sent;
    failed += result.failed;
    for (const o of result.outcomes) if (o.status === 'failed') failuresByCode[o.errorCode] = (failuresByCode[o.errorCode] ?? 0) + 1;
    options.onProgress?.(progress());
  };

  if (options.simulate) {
    // A duration or a schedule ends the simulation early (in simulated time).
    const { startMs } = options.simulate;
    const endMs = Math.min(options.simulate.endMs, startMs + Math.min(options.durationMs ?? Infinity, planDurationMs(plan)));
    await simulate({ startMs, endMs }, options, rateAt, (at) => (simNow = at), record, send);
    return { ...progress(), failuresByCode };
  }

  const wallStart = wallNow();
  const durationMs = Math.min(options.durationMs ?? Infinity, planDurationMs(plan));
  const ticks = pace({
    ratePerSecond: plan.kind === 'steady' ? plan.perSecond : (elapsedMs) => rateAt(wallStart + elapsedMs, elapsedMs),
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.count === undefined ? {} : { count: options.count }),
    ...(Number.isFinite(durationMs) ? { durationMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    clock,
  });
  for await (const n of ticks) {
    const records: ProducerRecord[] = new Array(n);
    for (let i = 0; i < n; i++) records[i] = record();
    await send(records);
  }
  return { ...progress(), failuresByCode };
}

/**
 * Walks simulated time second by second: each second gets the plan's count for it (fractions
 * carried over), its records stamped evenly across the second, sent in batches without waiting.
 */
async function simulate(
  sim: SimulatedTime,
  options: GenerateOptions,
  rateAt: (at: number, elapsedMs: number) => number,
  setNow: (at: number) => void,
  record: () => ProducerRecord,
  send: (records: ProducerRecord[]) => Promise<void>,
): Promise<void> {
  const { startMs, endMs } = sim;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
    throw invalidOption('simulate', { start: new Date(startMs).toString(), end: new Date(endMs).toString() }, 'give a start instant before the end instant');
  }
  const limit = options.count ?? Infinity;
  let made = 0;
  let carry = 0;
  let batch: ProducerRecord[] = [];
  for (let second = startMs; second < endMs && made < limit && !options.signal?.aborted; second += 1000) {
    const span = Math.min(1000, endMs - second);
    carry += (rateAt(second + span / 2, second + span / 2 - startMs) * span) / 1000; // the rate mid-second
    const n = Math.min(Math.floor(carry + 1e-9), limit - made);
    carry -= n;
    for (let i = 0; i < n; i++) {
      setNow(second + Math.floor((i * span) / n));
      batch.push(record());
      made++;
      if (batch.length >= SIMULATION_BATCH) {
        await send(batch);
        batch = [];
      }
    }
    setNow(second + span);
  }
  if (batch.length > 0) await send(batch);
}
