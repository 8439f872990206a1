import type { Command } from 'commander';

/** Every CLI sub-command, registered in one place. Each module exports `register(program)`. */
export type RegisterCommand = (program: Command) => void;

export interface CommandEntry {
  /** The first word on the command line (`sluice <name> ...`). */
  readonly name: string;
  /** One line for `sluice --help`. */
  readonly summary: string;
  /** Loads the module that registers the command with all its options and its action. */
  readonly load: () => Promise<{ register: RegisterCommand }>;
}

/**
 * The commands, loaded lazily: `sluice --help` lists these summaries without importing DuckDB, the
 * SDK clients or faker, and `sluice <name>` imports only that command's module (and what it needs).
 */
export const commands: readonly CommandEntry[] = [
  { name: 'local', summary: 'the embedded local Kinesis and DynamoDB', load: () => import('./local.js') },
  { name: 'stream', summary: 'create, describe and delete Kinesis streams', load: () => import('./stream.js') },
  { name: 'run', summary: 'run a pipeline file (YAML or JSON) until Ctrl-C, or over a file with --input', load: () => import('./run.js') },
  { name: 'demo', summary: "seed 001's scenario end to end on a fresh embedded stack, with live status and the dashboard", load: () => import('./demo.js') },
  { name: 'produce', summary: 'send Kinesis Data Generator templates to a stream at a rate (or --dry-run)', load: () => import('./produce.js') },
  { name: 'status', summary: "each shard's lease owner, counter and checkpoint", load: () => import('./status.js') },
  { name: 'ml', summary: 'Spark-MLlib-style machine learning on CSV files', load: () => import('./ml.js') },
  { name: 'detect', summary: 'score a timestamp,value CSV with online anomaly detectors', load: () => import('./detect.js') },
  { name: 'iam-policy', summary: 'print the least-privilege IAM policy of a pipeline, for sluice run or (--lambda) the function', load: () => import('./iam-policy.js') },
  { name: 'lambda', summary: 'package a pipeline as an AWS Lambda function, or invoke it locally as the event source mapping would', load: () => import('./lambda.js') },
];

/**
 * Registers the command named on the command line (the first word that is not an option, or the
 * one after `help`) in full; every other command only by name and summary, for the help listing.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const wanted = words[0] === 'help' ? words[1] : words[0];
  for (const c of commands) {
    if (c.name === wanted) (await c.load()).register(program);
    else program.command(c.name).description(c.summary);
  }
}
