import { randomUUID } from 'node:crypto';
import { base, en, Faker } from '@faker-js/faker';
import { SluiceError } from '../errors.js';
import type { KinesisProducer, ProducerRecord } from '../kinesis/producer.js';
import { pace, systemClock, type Clock } from './rate.js';
import { compileTemplate, type CompiledTemplate, type RenderedRecord } from './template.js';

/** `'random'` (a UUID per record), `'template-field:N'` (the Nth placeholder's value, 0-based), or any other text as a fixed key. */
export type PartitionKeyMode = 'random' | `template-field:${number}` | (string & {});

export type PartitionKeySpec = { kind: 'random' } | { kind: 'templateField'; index: number } | { kind: 'fixed'; key: string };

/** Reads a partition-key mode against the template's placeholder count. */
export function parsePartitionKey(mode: PartitionKeyMode, placeholderCount: number): PartitionKeySpec {
  if (mode === 'random') return { kind: 'random' };
  const field = /^template-field:(.*)$/.exec(mode);
  if (field) {
    const index = Number(field[1]);
    if (!Number.isInteger(index) || index < 0 || index >= placeholderCount) {
      throw new SluiceError(
        `Invalid partitionKey: ${JSON.stringify(mode)}: the template has ${placeholderCount} placeholder(s). Fix: use template-field:0 to template-field:${Math.max(0, placeholderCount - 1)} (0-based placeholder index)`,
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
}

export interface GenerateSummary extends GenerateProgress {
  /** Failed records by Kinesis error code: failures are reported, never dropped silently. */
  readonly failuresByCode: Readonly<Record<string, number>>;
}

export interface GenerateOptions {
  /** Template source, or one already compiled (then `seed` and `now` do not apply to it). */
  template: string | CompiledTemplate;
  /** Records per second. */
  rate: number;
  count?: number;
  durationMs?: number;
  /** Makes the records (and random partition keys) reproducible. */
  seed?: number;
  /** Default `'random'`. */
  partitionKey?: PartitionKeyMode;
  producer: Pick<KinesisProducer, 'send'>;
  signal?: AbortSignal;
  onProgress?: (progress: GenerateProgress) => void;
  /** Pacer tick in ms. Default 100. */
  tickMs?: number;
  clock?: Clock;
  /** Clock for `date.*` placeholders, epoch ms. Default `Date.now`. */
  now?: () => number;
}

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

/**
 * Renders records from a KDG template at a steady rate and writes them through the producer.
 * Stops at `count`, after `durationMs`, or when `signal` aborts, and reports what happened.
 */
export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const template = typeof options.template === 'string'
    ? compileTemplate(options.template, { ...(options.seed === undefined ? {} : { seed: options.seed }), ...(options.now ? { now: options.now } : {}) })
    : options.template;
  const keyOf = keyFunction(parsePartitionKey(options.partitionKey ?? 'random', template.placeholders.length), options.seed);
  const clock = options.clock ?? systemClock;
  const encoder = new TextEncoder();
  const start = clock.now();
  const failuresByCode: Record<string, number> = {};
  let generated = 0;
  let sent = 0;
  let failed = 0;
  const progress = (): GenerateProgress => {
    const elapsedMs = clock.now() - start;
    return { generated, sent, failed, elapsedMs, ratePerSecond: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0 };
  };

  const ticks = pace({
    ratePerSecond: options.rate,
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.count === undefined ? {} : { count: options.count }),
    ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
    ...(options.signal ? { signal: options.signal } : {}),
    clock,
  });
  for await (const n of ticks) {
    const records: ProducerRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = template.renderRecord();
      records[i] = { data: encoder.encode(r.text), partitionKey: keyOf(r) };
    }
    generated += n;
    const result = await options.producer.send(records);
    sent += result.sent;
    failed += result.failed;
    for (const o of result.outcomes) if (o.status === 'failed') failuresByCode[o.errorCode] = (failuresByCode[o.errorCode] ?? 0) + 1;
    options.onProgress?.(progress());
  }
  return { ...progress(), failuresByCode };
}
