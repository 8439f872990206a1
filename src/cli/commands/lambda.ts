import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ensureStream } from '../../aws/admin.js';
import { invalidOption } from '../../errors.js';
import { KinesisProducer } from '../../kinesis/producer.js';
import { createHandler } from '../../lambda/handler.js';
import { LocalEventSourceMapping } from '../../lambda/local-esm.js';
import { LAMBDA_ARCHES, packageLambda, type LambdaArch } from '../../lambda/package.js';
import { loadPipelineFile } from '../../pipeline/validate.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw invalidOption(flag, v, 'use a whole number >= 0');
  return n;
}

export function register(program: Command): void {
  const lambda = program.command('lambda').description('run a pipeline on AWS Lambda behind a Kinesis event source mapping (see docs/lambda.md)');

  lambda
    .command('package <pipeline>')
    .description('bundle the handler and the pipeline into a zip for aws lambda create-function (handler: index.handler, runtime nodejs20.x or nodejs22.x)')
    .option('--out <zip>', 'where to write the zip', 'dist/lambda.zip')
    .option('--arch <arch>', 'Lambda architecture: x86_64 or arm64', 'x86_64')
    .action(async (file: string, opts: { out: string; arch: string }) => {
      if (!(LAMBDA_ARCHES as readonly string[]).includes(opts.arch)) throw invalidOption('--arch', opts.arch, 'use x86_64 or arm64 (the Lambda architectures)');
      const r = await packageLambda({ pipelineFile: file, out: opts.out, arch: opts.arch as LambdaArch });
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      process.stdout.write(`runs on Lambda: ${r.outputs.join(', ')}\n`);
      for (const s of r.skipped) process.stdout.write(`skipped on Lambda: ${s.output}: ${s.reason}\n`);
      process.stdout.write(
        `${r.out}: ${mb(r.zipBytes)} zipped, ${mb(r.unzippedBytes)} unzipped, ${r.files.length} files, ${r.arch}; ` +
          (r.coldImportMs === undefined ? 'cold-start import not measured (not this machine\'s architecture)\n' : `cold-start import ${r.coldImportMs.toFixed(0)} ms (fresh node, this machine)\n`),
      );
    });

  withConnectionFlags(
    lambda
      .command('invoke <pipeline>')
      .description("drive the pipeline's Lambda handler from Kinesis the way the event source mapping would (embedded stack by default)"),
  )
    .option('--stream <name>', 'stream to read (default: source.stream of the pipeline)')
    .option('--input <file>', 'first put these records (one per line) into the stream')
    .option('--batch-size <n>', 'BatchSize: records per invocation at most', '100')
    .option('--batching-window <ms>', 'MaximumBatchingWindowInSeconds, in ms', '0')
    .option('--tumbling-window <seconds>', 'TumblingWindowInSeconds (0: none)', '0')
    .option('--max-retries <n>', 'MaximumRetryAttempts', '3')
    .option('--no-bisect', 'do not split a batch when the function throws (BisectBatchOnFunctionError off)')
    .option('--starting-position <pos>', 'TRIM_HORIZON or LATEST', 'TRIM_HORIZON')
    .option('--idle-stop <ms>', 'stop once no record came for this long (default: run until Ctrl-C)')
    .action(
      async (
        file: string,
        opts: ConnectionFlags & { stream?: string; input?: string; batchSize: string; batchingWindow: string; tumblingWindow: string; maxRetries: string; bisect: boolean; startingPosition: string; idleStop?: string },
      ) => {
        const config = loadPipelineFile(file);
        const stream = opts.stream ?? config.source.stream;
        const position = opts.startingPosition.toUpperCase();
        if (position !== 'TRIM_HORIZON' && position !== 'LATEST') throw invalidOption('--starting-position', opts.startingPosition, 'use TRIM_HORIZON or LATEST');
        const conn = await connect(opts);
        const handler = createHandler(config, { clients: conn.clients });
        try {
          if (conn.stack || config.source.createShards) await ensureStream(conn.clients.kinesis, stream, config.source.createShards ?? 1);
          if (opts.input) {
            const lines = readFileSync(opts.input, 'utf8').split('\n').filter((l) => l.length > 0);
            const producer = new KinesisProducer(conn.clients.kinesis, stream);
            const sent = await producer.send(lines.map((l, i) => ({ data: Buffer.from(l), partitionKey: String(i) })));
            producer.close();
            if (sent.failed > 0) throw invalidOption('--input', opts.input, `${sent.failed} records were refused by ${stream}; see the stream's limits (1 MB per record)`);
            process.stderr.write(`put ${lines.length} records from ${opts.input} into ${stream}\n`);
          }
          const esm = new LocalEventSourceMapping({
            kinesis: conn.clients.kinesis,
            stream,
            region: conn.clients.connection.region ?? 'us-east-1',
            handler,
            batchSize: positiveInt('--batch-size', opts.batchSize),
            batchingWindowMs: positiveInt('--batching-window', opts.batchingWindow),
            tumblingWindowSeconds: positiveInt('--tumbling-window', opts.tumblingWindow),
            maxRetries: positiveInt('--max-retries', opts.maxRetries),
            bisect: opts.bisect,
            startingPosition: position,
            ...(opts.idleStop ? { idleStopMs: positiveInt('--idle-stop', opts.idleStop) } : {}),
            log: (line) => process.stderr.write(`${line}\n`),
          });
          process.once('SIGINT', () => esm.stop());
          const t = await esm.run();
          process.stdout.write(`${JSON.stringify({ stream, ...t, coldStarts: handler.totals.coldStarts })}\n`);
        } finally {
          await handler.close();
          await conn.close();
        }
      },
    );
}
