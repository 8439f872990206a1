import type { Command } from 'commander';
import { StreamingQuery } from '../../engine/streaming-query.js';
import { parseDuration } from '../../engine/window.js';
import { FileSource } from '../../sources/file.js';
import { StatusLine } from '../../dashboard/status.js';
import { createDashboard, listenDashboard, withUiFlags, type UiFlags } from '../../dashboard/cli-flags.js';
import { attachJsonLog } from '../../dashboard/json-log.js';
import type { DashboardServer } from '../../dashboard/server.js';
import { SluiceError } from '../../errors.js';
import { emulatorExitMessage } from '../../local/stack.js';
import { loadPipelineFile } from '../../pipeline/validate.js';
import { createOperators } from '../../pipeline/operators.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { DEFAULT_STOP_TIMEOUT, OutageClock, onStopSignals, stopWithin } from '../shutdown.js';

interface RunFlags extends ConnectionFlags, UiFlags {
  startingPosition?: string;
  status: boolean;
  workerId?: string;
  stopTimeout: string;
  retryWindow?: string;
  input?: string;
}

export function register(program: Command): void {
  withUiFlags(
    withConnectionFlags(
      program
        .command('run <pipeline>')
        .description('run a pipeline file (YAML or JSON) until Ctrl-C; with no endpoint it starts the embedded local stack'),
    ),
  )
    .option('--starting-position <pos>', 'override source.startingPosition: latest, trim_horizon, at_timestamp:<ISO>, at_sequence_number:<shardId>/<seq>[.<sub>], after_sequence_number:<shardId>/<seq>[.<sub>]')
    .option('--no-status', 'do not print the live status line (it prints only when stderr is a terminal)')
    .option('--worker-id <id>', 'name of this worker in the lease table (default: random); run several workers with the same app to share shards')
    .option('--input <file>', 'read records from a file (one per line: NDJSON or CSV) instead of the stream; stops at its end')
    .option('--stop-timeout <duration>', 'on Ctrl-C/SIGTERM, time allowed for the batch in hand and its checkpoint before exiting without it', DEFAULT_STOP_TIMEOUT)
    .option('--retry-window <duration>', 'stop with an error when AWS calls keep failing for this long (default: retry until stopped)')
    .action(async (file: string, opts: RunFlags) => {
      const config = loadPipelineFile(file);
      if (opts.startingPosition) config.source.startingPosition = opts.startingPosition;
      parseDuration(opts.stopTimeout, '--stop-timeout');
      const outage = opts.retryWindow !== undefined ? new OutageClock(parseDuration(opts.retryWindow, '--retry-window')) : undefined;
      const src = config.source;
      const input = opts.input ? new FileSource({ path: opts.input }) : undefined;
      const conn = await connect({ ...opts, ...(opts.endpointUrl ?? src.endpointUrl ? { endpointUrl: opts.endpointUrl ?? src.endpointUrl } : {}), ...(opts.region ?? src.region ? { region: opts.region ?? src.region } : {}) });
      if (conn.stack) process.stderr.write(`embedded stack: Kinesis ${conn.stack.kinesisEndpoint}, DynamoDB ${conn.stack.dynamodbEndpoint}\n`);
      // With --log-format json stdout carries only the JSON lines; console sinks print on stderr.
      const out = opts.logFormat === 'json' ? (t: string) => void process.stderr.write(t) : undefined;
      const query = new StreamingQuery({
        config,
        clients: conn.clients,
        operators: await createOperators(config.operators),
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

      // One stop, however it is asked for (signal, fatal error, end of the loop), bounded in time.
      let fatal: unknown;
      let stopping: Promise<void> | undefined;
      const stop = (reason: string): Promise<void> => {
        stopping ??= stopWithin(async () => {
          try {
            await query.stop(reason);
          } finally {
            if (timer) clearInterval(timer);
            status?.close();
            unlog?.();
            await dashboard?.close();
            await conn.close();
          }
        }, opts.stopTimeout);
        return stopping;
      };
      const fail = (error: Error) => {
        fatal ??= error;
        stop('error').catch(() => undefined);
      };
      const removeSignals = onStopSignals((signal) => {
        process.stderr.write(`${signal}: finishing the batch in hand and checkpointing it (at most --stop-timeout ${opts.stopTimeout}); ${signal} again exits at once\n`);
        stop(signal).catch(() => undefined);
      });

      query.events.on('sink.stalled', (s) => void process.stderr.write(`sink ${s.sink} has not completed a write for ${s.seconds} s; the batch and its checkpoint wait for it\n`));
      query.events.on('pipeline.warning', (e) => void process.stderr.write(`warning: ${e.message}\n`));
      query.events.on('pipeline.info', (e) => void process.stderr.write(`info: ${e.message}\n`));
      query.events.on('lease.handoff', (h) => void process.stderr.write(h.to ? `lease ${h.shard} handed to ${h.to}${h.reason === 'balance' ? ' (balance)' : ''}\n` : `lease ${h.shard} released\n`));
      query.events.on('consumer.error', (e) => {
        process.stderr.write(`consumer: ${e.error.message}\n`);
        const lasted = outage?.error();
        if (lasted !== undefined) {
          fail(
            new SluiceError(`AWS calls kept failing for ${Math.round(lasted / 1000)} s, beyond --retry-window ${opts.retryWindow}; last error: ${e.error.message}. Fix: check the endpoints, or raise --retry-window`, {
              domain: 'external',
              code: 'RetryWindowExceeded',
              cause: e.error,
            }),
          );
        }
      });
      query.events.on('checkpoint.commit', () => outage?.progress());
      conn.stack?.onEmulatorExit((e) => {
        process.stderr.write(`${emulatorExitMessage(e)}\n`);
        if (!e.restarted) fail(new SluiceError(emulatorExitMessage(e), { domain: 'external', code: 'EmulatorExited' }));
      });

      try {
        await query.start();
        process.stderr.write(`running ${config.app} on ${input ? `file ${opts.input}` : `stream ${config.source.stream}`}; Ctrl-C stops with a final checkpoint\n`);
        await query.awaitTermination();
      } catch (error) {
        fatal ??= error;
      }
      try {
        await stop(fatal ? 'error' : 'ended');
      } catch (error) {
        fatal ??= error;
      } finally {
        removeSignals();
      }
      if (fatal) throw fatal;
      if (input) process.stdout.write(`${JSON.stringify({ input: opts.input, records: query.totals.records, rows: query.totals.rows, deadLetters: query.totals.deadLetters, written: query.totals.written })}\n`);
    });
}
