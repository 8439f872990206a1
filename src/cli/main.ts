import { Command } from 'commander';
import { isSluiceError } from '../errors.js';
import { commands } from './commands/index.js';

const program = new Command();
program
  .name('sluice')
  .description('Stream processing for Amazon Kinesis: micro-batches, windows, SQL, DynamoDB sinks, checkpoints.')
  .showHelpAfterError();

for (const register of commands) register(program);

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
