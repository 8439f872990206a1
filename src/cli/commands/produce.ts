import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ensureStream } from '../../aws/admin.js';
import { generate } from '../../generator/generate.js';
import { createProgressReporter } from '../../generator/progress.js';
import { KinesisProducer } from '../../kinesis/producer.js';
import { invalidOption } from '../../errors.js';
import { SEED_TEMPLATE } from '../../demo/seed-scenario.js';
import { parseDuration } from '../../engine/window.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { parsePositiveInt, parsePositiveNumber } from '../parse.js';

interface ProduceFlags extends ConnectionFlags {
  stream: string;
  template?: string;
  templateFile?: string;
  rate: number;
  count?: number;
  duration?: string;
  seed?: number;
  partitionKey: string;
  createShards?: number;
}

export function register(program: Command): void {
  withConnectionFlags(
    program
      .command('produce')
      .description('send Kinesis Data Generator template records to a stream at a steady rate, with a progress bar'),
  )
    .requiredOption('--stream <name>', 'target stream')
    .option('--template <text>', "KDG template (default: seed 001's sensor template)")
    .option('--template-file <path>', 'read the template from a file')
    .option('--rate <r>', 'records per second', parsePositiveNumber('rate'), 100)
    .option('--count <n>', 'stop after this many records', parsePositiveInt('count'))
    .option('--duration <d>', 'stop after this long, e.g. 30s, 5m')
    .option('--seed <s>', 'seed for reproducible records', parsePositiveInt('seed'))
    .option('--partition-key <mode>', "random | template-field:N (0-based placeholder) | a fixed key", 'random')
    .option('--create-shards <n>', 'create the stream with N shards if missing', parsePositiveInt('create-shards'))
    .action(async (flags: ProduceFlags) => {
      if (flags.template && flags.templateFile) throw invalidOption('--template-file', flags.templateFile, 'give --template or --template-file, not both');
      if (flags.count === undefined && flags.duration === undefined && !process.stdin.isTTY && process.env.CI) {
        throw invalidOption('--count', undefined, 'in CI give --count or --duration so the run ends');
      }
      const template = flags.templateFile ? readTemplateFile(flags.templateFile) : (flags.template ?? SEED_TEMPLATE);
      const durationMs = flags.duration !== undefined ? parseDuration(flags.duration, '--duration') : undefined;
      const conn = await connect({ aws: true, ...flags });
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      try {
        if (flags.createShards) await ensureStream(conn.clients.kinesis, flags.stream, flags.createShards);
        const producer = new KinesisProducer(conn.clients.kinesis, flags.stream, { signal: abort.signal });
        const total = flags.count ?? (durationMs !== undefined ? Math.round((durationMs / 1000) * flags.rate) : undefined);
        const progress = createProgressReporter(total !== undefined ? { total } : {});
        const summary = await generate({
          template,
          rate: flags.rate,
          producer,
          signal: abort.signal,
          partitionKey: flags.partitionKey,
          onProgress: (p) => progress.update(p),
          ...(flags.count !== undefined ? { count: flags.count } : {}),
          ...(durationMs !== undefined ? { durationMs } : {}),
          ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        });
        progress.close(summary);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        if (summary.failed > 0) process.exitCode = 1;
      } finally {
        await conn.close();
      }
    });
}

function readTemplateFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw invalidOption('--template-file', path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the path of a readable file holding a KDG template`);
  }
}
