import type { Command } from 'commander';
import { ensureStream } from '../../aws/admin.js';
import { generate, type GenerateOptions, type GenerateSummary } from '../../generator/generate.js';
import { loadPeriodicCurve } from '../../generator/periodic-curve.js';
import { createProgressReporter } from '../../generator/progress.js';
import { parseRate, planDurationMs, type RatePlan } from '../../generator/rate-plan.js';
import { readTemplateFile, type TemplateSpec } from '../../generator/template-set.js';
import { KinesisProducer, type ProducerRecord, type SendResult } from '../../kinesis/producer.js';
import { invalidOption } from '../../errors.js';
import { SEED_TEMPLATE } from '../../demo/seed-scenario.js';
import { parseDuration } from '../../engine/window.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { parsePositiveInt } from '../parse.js';

interface ProduceFlags extends ConnectionFlags {
  stream?: string;
  template: string[];
  templateFile: string[];
  weights?: string;
  pick?: 'turn' | 'weight';
  keepNewlines?: boolean;
  rate: string;
  rateCurve?: string;
  start?: string;
  end?: string;
  count?: number;
  duration?: string;
  seed?: number;
  partitionKey: string;
  createShards?: number;
  dryRun?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function instant(flag: string, value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalidOption(flag, value, 'use an ISO-8601 instant, e.g. 2024-05-01T00:00:00Z (without a zone it is local time)');
  return ms;
}

/** The templates in the order given, with --weights applied. */
function templates(flags: ProduceFlags): TemplateSpec[] {
  const specs: TemplateSpec[] = [
    ...flags.template.map((source, i) => ({ source, name: flags.template.length > 1 ? `from --template #${i + 1}` : 'from --template' })),
    ...flags.templateFile.flatMap(readTemplateFile),
  ];
  if (specs.length === 0) specs.push({ source: SEED_TEMPLATE, name: "seed 001's template" });
  if (flags.weights === undefined) return specs;
  const weights = flags.weights.split(',').map(Number);
  if (weights.length !== specs.length || weights.some((w) => !(w > 0))) {
    throw invalidOption('--weights', flags.weights, `give ${specs.length} positive numbers, one per template in the order given (${specs.map((s) => s.name).join(', ')})`);
  }
  return specs.map((s, i) => ({ ...s, weight: weights[i] as number }));
}

/** Prints records instead of sending them: `--dry-run`. */
function printer(): Pick<KinesisProducer, 'send'> {
  const dec = new TextDecoder();
  return {
    async send(records: readonly ProducerRecord[]): Promise<SendResult> {
      let out = '';
      for (const r of records) {
        const text = dec.decode(r.data);
        out += text.endsWith('\n') ? text : `${text}\n`;
      }
      process.stdout.write(out);
      return { outcomes: records.map((_, i) => ({ status: 'ok', shardId: 'dry-run', sequenceNumber: String(i), attempts: 1 }) as const), sent: records.length, failed: 0, retried: 0 };
    },
  };
}

export function register(program: Command): void {
  withConnectionFlags(
    program
      .command('produce')
      .description('send Kinesis Data Generator template records to a stream: steady, scheduled or periodic rates, in real or simulated time'),
  )
    .option('--stream <name>', 'target stream (not needed with --dry-run)')
    .option('--template <text>', "KDG template; repeat for several (default: seed 001's sensor template)", collect, [])
    .option('--template-file <path>', 'read templates from a file (several split at lines of ---); repeatable', collect, [])
    .option('--weights <list>', 'draw templates by weight: one number per template, --template ones first, then --template-file ones, e.g. 3,1')
    .option('--pick <mode>', 'turn | weight: how to draw among several templates (default: weight when weights are given)')
    .option('--keep-newlines', "keep the template's line breaks and add no newline after each record (KDG removes them and ends each record with a newline)")
    .option('--rate <r>', 'records per second, or a schedule of steps and ramps: 100:1m,100..1000:30s,1000:1m', '100')
    .option('--rate-curve <file>', "KDG's periodic mode: YAML/JSON with mu and sigma per hour (and weekday), smoothing, zone")
    .option('--start <instant>', 'simulate time from this instant (with --end): date.now follows the simulated clock, sent as fast as the stream accepts')
    .option('--end <instant>', 'end of the simulated time (exclusive)')
    .option('-n, --count <n>', 'stop after this many records', parsePositiveInt('count'))
    .option('--duration <d>', 'stop after this long, e.g. 30s, 5m')
    .option('--seed <s>', 'seed for reproducible records', parsePositiveInt('seed'))
    .option('--partition-key <mode>', 'random | template-field:N (0-based placeholder) | a fixed key', 'random')
    .option('--create-shards <n>', 'create the stream with N shards if missing', parsePositiveInt('create-shards'))
    .option('--dry-run', 'print rendered records to stdout (default 5) instead of sending them; needs no stream')
    .action(async (flags: ProduceFlags, command: Command) => {
      if (flags.pick !== undefined && flags.pick !== 'turn' && flags.pick !== 'weight') throw invalidOption('--pick', flags.pick, 'use turn or weight');
      if (flags.rateCurve !== undefined && command.getOptionValueSource('rate') === 'cli') throw invalidOption('--rate-curve', flags.rateCurve, 'give --rate or --rate-curve, not both');
      if ((flags.start === undefined) !== (flags.end === undefined)) throw invalidOption(flags.start === undefined ? '--start' : '--end', undefined, 'give both --start and --end to simulate time');
      if (!flags.dryRun && !flags.stream) throw invalidOption('--stream', undefined, 'name the target stream, or use --dry-run to print records');
      const plan: RatePlan = flags.rateCurve !== undefined ? { kind: 'periodic', curve: loadPeriodicCurve(flags.rateCurve) } : parseRate(flags.rate);
      const specs = templates(flags);
      const durationMs = flags.duration !== undefined ? parseDuration(flags.duration, '--duration') : undefined;
      const simulate = flags.start !== undefined ? { startMs: instant('--start', flags.start), endMs: instant('--end', flags.end as string) } : undefined;
      if (simulate && simulate.endMs <= simulate.startMs) throw invalidOption('--end', flags.end, `use an instant after --start (${flags.start})`);
      const count = flags.count ?? (flags.dryRun ? 5 : undefined);
      const bounded = count !== undefined || durationMs !== undefined || simulate !== undefined || Number.isFinite(planDurationMs(plan));
      if (!bounded && !process.stdin.isTTY && process.env.CI) throw invalidOption('--count', undefined, 'in CI give --count, --duration, --end or a schedule so the run ends');
      const base: Omit<GenerateOptions, 'producer'> = {
        template: specs,
        rate: plan,
        partitionKey: flags.partitionKey,
        framing: flags.keepNewlines ? 'raw' : 'kdg',
        ...(flags.pick ? { pick: flags.pick } : {}),
        ...(count !== undefined ? { count } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      };

      if (flags.dryRun) {
        // Rendered in simulated time from now (or --start), so nothing waits for the rate.
        const startMs = simulate?.startMs ?? Date.now();
        await generate({ ...base, producer: printer(), simulate: simulate ?? { startMs, endMs: startMs + (durationMs ?? 365 * 86_400_000) } });
        return;
      }
      const conn = await connect({ aws: true, ...flags });
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      try {
        const stream = flags.stream as string;
        if (flags.createShards) await ensureStream(conn.clients.kinesis, stream, flags.createShards);
        const producer = new KinesisProducer(conn.clients.kinesis, stream, { signal: abort.signal });
        const total = count ?? (durationMs !== undefined && plan.kind === 'steady' ? Math.round((durationMs / 1000) * plan.perSecond) : undefined);
        const progress = createProgressReporter(total !== undefined ? { total } : {});
        const summary: GenerateSummary = await generate({ ...base, producer, signal: abort.signal, onProgress: (p) => progress.update(p), ...(simulate ? { simulate } : {}) });
        progress.close(summary);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        if (summary.failed > 0) process.exitCode = 1;
      } finally {
        await conn.close();
      }
    });
}

