import type { Command } from 'commander';
import { StatusLine } from '../../dashboard/status.js';
import { runSeedScenario, SEED_PIPELINE_FILE } from '../../demo/seed-scenario.js';
import { createDashboard, listenDashboard, withUiFlags, type UiFlags } from '../../dashboard/cli-flags.js';
import { attachJsonLog } from '../../dashboard/json-log.js';
import type { DashboardServer } from '../../dashboard/server.js';
import { loadPipelineFile } from '../../pipeline/validate.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { parsePositiveInt, parsePositiveNumber, parseRatio } from '../parse.js';

interface DemoFlags extends ConnectionFlags, UiFlags {
  records?: number;
  rate: number;
  badRatio: number;
  seed?: number;
  shards: number;
  quiet?: boolean;
}

export function register(program: Command): void {
  withUiFlags(withConnectionFlags(
    program
      .command('demo')
      .description("seed 001 end to end on a fresh embedded stack: KDG traffic -> 20 s window -> SQL -> data_dump / data_anomaly, with live status; prints a JSON summary as its last line"),
  ))
    .option('--records <n>', 'produce this many records, wait until all are processed, then exit (default: run until Ctrl-C)', parsePositiveInt('records'))
    .option('--rate <r>', 'records per second', parsePositiveNumber('rate'), 200)
    .option('--bad-ratio <f>', 'fraction of records replaced by malformed ones', parseRatio('bad-ratio'), 0.02)
    .option('--seed <s>', 'seed for reproducible traffic', parsePositiveInt('seed'))
    .option('--shards <n>', 'shards of kinesis-stream', parsePositiveInt('shards'), 1)
    .option('--quiet', 'no per-batch table or status line, only the summary')
    .action(async (flags: DemoFlags) => {
      const conn = await connect(flags);
      const abort = new AbortController();
      const onSignal = () => {
        process.stderr.write('\nstopping: finishing the batch in flight and writing a final checkpoint...\n');
        abort.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      if (conn.stack) process.stderr.write(`embedded stack: Kinesis ${conn.stack.kinesisEndpoint}, DynamoDB ${conn.stack.dynamodbEndpoint}\n`);
      let status: StatusLine | undefined;
      let dashboard: DashboardServer | undefined;
      let unlog: (() => void) | undefined;
      const pipeline = loadPipelineFile(SEED_PIPELINE_FILE);
      const text = flags.logFormat === 'text';
      try {
        const summary = await runSeedScenario({
          clients: conn.clients,
          pipeline,
          retainWindow: flags.ui !== false,
          rate: flags.rate,
          badRatio: flags.badRatio,
          shards: flags.shards,
          signal: abort.signal,
          ...(flags.records !== undefined ? { records: flags.records } : {}),
          ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
          // With --log-format json stdout carries only JSON lines (events, then the summary); the console sink prints on stderr.
          out: flags.quiet ? () => undefined : text ? (t) => process.stdout.write(t) : (t) => process.stderr.write(t),
          onQuery: (query) => {
            dashboard = createDashboard(flags, query, pipeline, conn.clients);
            if (dashboard) {
              listenDashboard(dashboard).catch((error: unknown) => {
                process.stderr.write(`${(error as Error).message}\n`);
                process.exitCode = 1;
                abort.abort();
              });
            }
            if (!text) unlog = attachJsonLog(query.events, (line) => process.stdout.write(line));
            if (flags.quiet || !text) return;
            // The status line is for a terminal; piped output keeps the console table only.
            if (process.stdout.isTTY) {
              status = new StatusLine(query);
              query.events.on('batch.end', (b) => {
                if (b.fired) process.stdout.write(`${status!.render()}\n\n`);
              });
            }
            query.events.on('consumer.error', (e) => process.stderr.write(`consumer: ${e.error.message}\n`));
          },
        });
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        if (!summary.consistent) process.exitCode = 1;
      } finally {
        status?.close();
        unlog?.();
        await dashboard?.close();
        await conn.close();
      }
    });
}
