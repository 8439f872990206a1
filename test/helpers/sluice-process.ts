import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'vitest';
import { waitFor } from './aws.js';
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

/**
 * Stops every worker with SIGTERM once each says it runs (a SIGTERM before its handler is
 * installed would kill a restarted one), and expects each to exit 0: a clean stop.
 */
export async function stopEach(workers: ReadonlyMap<string, SluiceProcess>, said: () => string): Promise<void> {
  await waitFor(() => [...workers.values()].every((p) => p.out().includes('running ')), 60_000, `every worker runs; they said: ${said()}`);
  for (const p of workers.values()) p.child.kill('SIGTERM');
  for (const [w, p] of workers) {
    const [code] = await p.exited;
    expect(code, `${w}: ${p.out()}`).toBe(0);
  }
}

/**
 * SIGKILLs a worker holding leases now (`owners`: shard to owner), preferring one not named in
 * `moves` (`<worker>:<shard>` of earlier kills); resolves once it died, with its shards.
 */
export async function killAHolder(workers: ReadonlyMap<string, SluiceProcess>, owners: ReadonlyMap<string, string>, moves: readonly string[]): Promise<{ victim: string; held: string[] }> {
  const holders = [...new Set(owners.values())].sort();
  const victim = holders.find((w) => !moves.some((m) => m.startsWith(`${w}:`))) ?? holders[0]!;
  const held = [...owners].filter(([, o]) => o === victim).map(([s]) => s);
  workers.get(victim)!.child.kill('SIGKILL');
  const [, signal] = await workers.get(victim)!.exited;
  expect(signal).toBe('SIGKILL');
  return { victim, held };
}
