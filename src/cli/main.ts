import { Command } from 'commander';
import { isSluiceError } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { exitNow } from './shutdown.js';

const program = new Command();
program
  .name('sluice')
  .description('Stream processing for Amazon Kinesis: micro-batches, windows, SQL, DynamoDB sinks, checkpoints.')
  .showHelpAfterError();

await registerCommands(program, process.argv);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isSluiceError(error)) {
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exitCode = error.domain === 'user' ? 2 : 1;
  } else {
    process.stderr.write(`sluice: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

// The command is done: the process must end now. Whatever still holds the event loop open after a
// grace period (a stuck native call, a forgotten timer or socket) must not keep it alive at 0% CPU.
const EXIT_GRACE_MS = 5_000;
setTimeout(() => {
  process.stderr.write(`sluice: still running ${EXIT_GRACE_MS / 1000} s after the command finished (open: ${process.getActiveResourcesInfo().join(', ')}); exiting\n`);
  exitNow(Number(process.exitCode ?? 0));
}, EXIT_GRACE_MS).unref();
