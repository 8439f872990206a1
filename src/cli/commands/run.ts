import type { Command } from 'commander';
import { StreamingQuery } from '../../engine/streaming-query.js';
import { FileSource } from '../../sources/file.js';
import { StatusLine } from '../../dashboard/status.js';
import { createDashboard, listenDashboard, withUiFlags, type UiFlags } from '../../dashboard/cli-flags.js';
import { attachJsonLog } from '../../dashboard/json-log.js';
import type { DashboardServer } from '../../dashboard/server.js';
import { loadPipelineFile } from '../../pipeline/validate.js';
import { createOperators } from '../../pipeline/operators.js';
import { registerBuiltinOperators } from '../../pipeline/builtin-operators.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';

export function register(program: Command): void {
  withUiFlags(withConnectionFlags(
    program
      .command('run <pipeline>')
      .description('run a pipeline file (YAML or JSON) until Ctrl-C; with no endpoint it starts the embedded local stack'),
  ))
    .option('--starting-position <pos>', 'override source.startingPosition: latest, trim_horizon, at_timestamp:<ISO>, at_sequence_number:<shardId>/<seq>[.<sub>], after_sequence_number:<shardId>/<seq>[.<sub>]')
    .option('--no-status', 'do not print the live status line (it prints only when stderr is a terminal)')
    .option('--worker-id <id>', 'name of this worker in the lease table (default: random); run several workers with the same app to share shards')
    .option('--input <file>', 'read records from a file (one per line: NDJSON or CSV) instead of the stream; stops at its end')
    .action(async (file: string, opts: ConnectionFlags & UiFlags & { startingPosition?: string; status: boolean; workerId?: string; input?: string }) => {
      registerBuiltinOperators();
      const config = loadPipelineFile(file);
      if (opts.startingPosition) config.source.startingPosition = opts.startingPosition;
      const src = config.source;
      const conn = await connect({ ...opts, ...(opts.endpointUrl ?? src.endpointUrl ? { endpointUrl: opts.endpointUrl ?? src.endpointUrl } : {}), ...(opts.region ?? src.region ? { region: opts.region ?? src.region } : {}) });
      if (conn.stack) process.stderr.write(`embedded stack: Kinesis ${conn.stack.kinesisEndpoint}, DynamoDB ${conn.stack.dynamodbEndpoint}\n`);
      const input = opts.input ? new FileSource({ path: opts.input }) : undefined;
      // With --log-format json stdout carries only the JSON lines; console sinks print on stderr.
      const out = opts.logFormat === 'json' ? (t: string) => void process.stderr.write(t) : undefined;
      const query = new StreamingQuery({
        config,
        clients: conn.clients,
        operators: createOperators(config.operators),
        ...(opts.workerId ? { workerId: opts.workerId } : {}),
        ...(input ? { source: input } : {}),
        ...(out ? { out } : {}),
        // The dashboard's SQL box reads the whole window: keep every column in it.
        retainWindow: opts.ui !== false,
      });
      const status = opts.status && opts.logFormat === 'text' && process.stderr.isTTY ? new StatusLine(query) : undefined;
      const unlog = opts.logFormat === 'json' ? attachJsonLog(query.events, (line) => process.stdout.write(line)) : undefined;
      let dashboard: DashboardServer | undefined;
      try {
        dashboard = createDashboard(opts, query, config, conn.clients);
        if (dashboard) await listenDashboard(dashboard);
      } catch (error) {
        await dashboard?.close();
        await conn.close();
        throw error;
      }
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
          unlog?.();
          await dashboard?.close();
          await conn.close();
        }
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await query.start();
      process.stderr.write(`running ${config.app} on ${input ? `file ${opts.input}` : `stream ${config.source.stream}`}; Ctrl-C stops with a final checkpoint\n`);
      try {
        await query.awaitTermination();
      } finally {
        await stop('ended');
      }
      if (input) process.stdout.write(`${JSON.stringify({ input: opts.input, records: query.totals.records, rows: query.totals.rows, deadLetters: query.totals.deadLetters, written: query.totals.written })}\n`);
    });
}
