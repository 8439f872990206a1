import type { Command } from 'commander';
import { Option } from 'commander';
import { KinesisBackends, emulatorExitMessage, startLocalStack, type KinesisBackend } from '../../local/stack.js';
import { SluiceError } from '../../errors.js';
import { parsePort } from '../parse.js';

export function register(program: Command): void {
  const local = program.command('local').description('the embedded local Kinesis and DynamoDB');
  local
    .command('start')
    .description('start a local Kinesis (kinesalite) and DynamoDB (dynalite) and print their endpoints; Ctrl-C stops both')
    .option('--kinesis-port <port>', 'port for Kinesis (default: a free one)', parsePort)
    .option('--dynamodb-port <port>', 'port for DynamoDB (default: a free one)', parsePort)
    .option('--data-dir <dir>', 'persist streams and tables under this folder (default: in memory)')
    .addOption(new Option('--kinesis <backend>', 'Kinesis emulator: kinesalite (fast, polling) or kinesis-mock (enhanced fan-out, slow)').choices(KinesisBackends).default('kinesalite'))
    .action(async (opts: { kinesisPort?: number; dynamodbPort?: number; dataDir?: string; kinesis: KinesisBackend }) => {
      const stack = await startLocalStack({
        kinesisBackend: opts.kinesis,
        ...(opts.kinesisPort !== undefined ? { kinesisPort: opts.kinesisPort } : {}),
        ...(opts.dynamodbPort !== undefined ? { dynamodbPort: opts.dynamodbPort } : {}),
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      });
      process.stdout.write(
        [
          `Kinesis:  ${stack.kinesisEndpoint} (${opts.kinesis})`,
          `DynamoDB: ${stack.dynamodbEndpoint}`,
          `Region ${stack.connection.region}; any credentials work. For other clients:`,
          `  export SLUICE_KINESIS_ENDPOINT=${stack.kinesisEndpoint} SLUICE_DYNAMODB_ENDPOINT=${stack.dynamodbEndpoint}`,
          `  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=${stack.connection.region} AWS_DEFAULT_REGION=${stack.connection.region}`,
          `  aws --endpoint-url ${stack.kinesisEndpoint} kinesis list-streams`,
          `  aws --endpoint-url ${stack.dynamodbEndpoint} dynamodb list-tables`,
          'Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      process.stdout.write(`${JSON.stringify({ kinesisEndpoint: stack.kinesisEndpoint, dynamodbEndpoint: stack.dynamodbEndpoint, region: stack.connection.region })}\n`);
      // An emulator that dies is restarted from --data-dir; in memory its data is gone, so the stack stops and says so.
      const died = await new Promise<string | undefined>((resolve) => {
        process.once('SIGINT', () => resolve(undefined));
        process.once('SIGTERM', () => resolve(undefined));
        stack.onEmulatorExit((e) => {
          process.stderr.write(`${emulatorExitMessage(e)}\n`);
          if (!e.restarted) resolve(emulatorExitMessage(e));
        });
      });
      await stack.close();
      if (died) throw new SluiceError(died, { domain: 'external', code: 'EmulatorExited' });
    });
}
