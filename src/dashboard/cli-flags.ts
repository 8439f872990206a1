import type { Command } from 'commander';
import type { AwsClients } from '../aws/clients.js';
import type { StreamingQuery } from '../engine/streaming-query.js';
import { invalidOption } from '../errors.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { DashboardServer, DEFAULT_UI_PORT } from './server.js';

export interface UiFlags {
  ui: boolean;
  uiPort?: number;
  uiHost: string;
  uiToken?: string;
  logFormat: 'text' | 'json';
}

/** `--ui-port`, `--no-ui`, `--ui-host`, `--ui-token`, `--log-format`, shared by `run` and `demo`. */
export function withUiFlags(cmd: Command): Command {
  return cmd
    .option('--ui-port <port>', `dashboard port (default ${DEFAULT_UI_PORT}, or the next free one up to ${DEFAULT_UI_PORT + 9}; 0 picks any free port)`, parseUiPort)
    .option('--no-ui', 'do not serve the dashboard')
    .option('--ui-host <host>', 'address the dashboard listens on; anything but loopback needs a token (--ui-token or env SLUICE_UI_TOKEN)', '127.0.0.1')
    .option('--ui-token <token>', 'secret the dashboard asks for (default: env SLUICE_UI_TOKEN)')
    .option('--log-format <format>', 'text (status line on a terminal) or json (one JSON object per engine event on stdout)', parseLogFormat, 'text');
}

function parseUiPort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalidOption('ui-port', v, 'use a whole number from 0 to 65535 (0 picks a free port)');
  return n;
}

function parseLogFormat(v: string): 'text' | 'json' {
  if (v !== 'text' && v !== 'json') throw invalidOption('log-format', v, 'use text or json');
  return v;
}

/** The dashboard for this query unless `--no-ui` (subscribed to its events at once; not listening yet). */
export function createDashboard(flags: UiFlags, query: StreamingQuery, config: PipelineConfig, clients: AwsClients): DashboardServer | undefined {
  if (!flags.ui) return undefined;
  const token = flags.uiToken ?? process.env.SLUICE_UI_TOKEN;
  return new DashboardServer({ query, config, clients, host: flags.uiHost, ...(flags.uiPort !== undefined ? { port: flags.uiPort } : {}), ...(token ? { token } : {}) });
}

/** Listens and prints `dashboard: <url>` on stderr. */
export async function listenDashboard(server: DashboardServer): Promise<void> {
  const url = await server.start();
  process.stderr.write(`dashboard: ${url}\n`);
}
