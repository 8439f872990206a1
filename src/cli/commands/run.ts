import type { Command } from 'commander';
import { StreamingQuery } from '../../engine/streaming-query.js';
import { StatusLine } from '../../dashboard/status.js';
import { loadPipelineFile } from '../../pipeline/validate.js';
import { createOperators } from '../../pipeline/operators.js';
import { registerBuiltinOperators } from '../../pipeline/builtin-operators.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';

export function register(program: Command): void {
  withConnectionFlags(
    program
      .command('run <pipeline>')
      .description('run a pipeline file (YAML or JSON) until Ctrl-C; with no endpoint it starts the embedded local stack'),
  )
    .option('--starting-position <pos>', 'override source.startingPosition: latest, trim_horizon, at_timestamp:<ISO>, at_sequence_number:<shardId>/<seq>[.<sub>], after_sequence_number:<shardId>/<seq>[.<sub>]')
    .option('--no-status', 'do not print the live status line')
    .option('--worker-id <id>', 'name of this worker in the lease table (default: random); run several workers with the same app to share shards')
    .action(async (file: string, opts: ConnectionFlags & { startingPosition?: string; status: boolean; workerId?: string }) => {
      registerBuiltinOperators();
      const config = loadPipelineFile(file);
      if (opts.startingPosition) config.source.startingPosition = opts.startingPosition;
      const src = config.source;
      const conn = await connect({ ...opts, ...(opts.endpointUrl ?? src.endpointUrl ? { endpointUrl: opts.endpointUrl ?? src.endpointUrl } : {}), ...(opts.region ?? src.region ? { region: opts.region ?? src.region } : {}) });
      if (conn.stack) process.stderr.write(`embedded stack: Kinesis ${conn.stack.kinesisEndpoint}, DynamoDB ${conn.stack.dynamodbEndpoint}\n`);
      const query = new StreamingQuery({ config, clients: conn.clients, operators: createOperators(config.operators), ...(opts.workerId ? { workerId: opts.workerId } : {}) });
      const status = opts.status ? new StatusLine(query) : undefined;
      const timer = status ? setInterval(() => process.stderr.write(`${status.render()}\n`), 5_000) : undefined;
      query.events.on('consumer.error', (e) => process.stderr.write(`consumer: ${e.error.message}\n`));
      let stopping = false;
      const stop = async (reason: string) => {
        if (stopping) return;
        stopping = true;
        try {
          await query.stop(reason);
        } finally {
          if (timer) clearInterval(timer);
          status?.close();
          await conn.close();
        }
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await query.start();
      process.stderr.write(`running ${config.app} on stream ${config.source.stream}; Ctrl-C stops with a final checkpoint\n`);
      try {
        await query.awaitTermination();
      } finally {
        await stop('ended');
      }
    });
}
