import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { sluiceCli } from './cli.js';

const bin = sluiceCli();

/** A `sluice run` process: its output so far, and its exit. */
export interface SluiceProcess {
  readonly child: ChildProcess;
  readonly out: () => string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/**
 * Starts `sluice run FILE` against the embedded stack's endpoints, without the status line, as
 * worker `workerId`; `env` adds variables (e.g. `SLUICE_CRASH_AT`), `args` more flags (`--no-ui`: many workers at once
 * would run out of the dashboard's ten ports). Output is collected for
 * failure messages.
 */
export function startSluice(stack: { kinesisEndpoint: string; dynamodbEndpoint: string }, file: string, opts: { workerId?: string; env?: Record<string, string>; args?: readonly string[] } = {}): SluiceProcess {
  const child = spawn(process.execPath, [bin, 'run', file, '--endpoint-url', stack.kinesisEndpoint, '--dynamodb-endpoint-url', stack.dynamodbEndpoint, '--no-status', '--worker-id', opts.workerId ?? 'w1', ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}
