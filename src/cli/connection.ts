import type { Command } from 'commander';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { startLocalStack, type LocalStack } from '../local/stack.js';

export interface ConnectionFlags {
  endpointUrl?: string;
  dynamodbEndpointUrl?: string;
  region?: string;
  aws?: boolean;
}

/** Adds the flags every command that talks to AWS shares. */
export function withConnectionFlags(cmd: Command): Command {
  return cmd
    .option('--endpoint-url <url>', 'Kinesis endpoint (default: env SLUICE_KINESIS_ENDPOINT, else the embedded local stack)')
    .option('--dynamodb-endpoint-url <url>', 'DynamoDB endpoint (default: env SLUICE_DYNAMODB_ENDPOINT, else as --endpoint-url decides)')
    .option('--region <region>', 'AWS region (default: inferred from --endpoint-url, else AWS_REGION / profile)')
    .option('--aws', 'use real AWS with the default endpoints and credential chain instead of the embedded stack');
}

export interface Connected {
  clients: AwsClients;
  /** The embedded stack, if this command started one. */
  stack?: LocalStack;
  close(): Promise<void>;
}

/**
 * Real AWS when an endpoint or `--aws` is given; otherwise starts the embedded local stack.
 * Below this point no code knows which one it talks to.
 */
export async function connect(flags: ConnectionFlags): Promise<Connected> {
  const kinesisEndpoint = flags.endpointUrl ?? process.env.SLUICE_KINESIS_ENDPOINT;
  const dynamodbEndpoint = flags.dynamodbEndpointUrl ?? process.env.SLUICE_DYNAMODB_ENDPOINT;
  if (kinesisEndpoint || dynamodbEndpoint || flags.aws) {
    const local = [kinesisEndpoint, dynamodbEndpoint].some((e) => e && /^http:\/\/(127\.|localhost|\[::1\])/.test(e));
    const clients = createAwsClients({
      ...(kinesisEndpoint ? { kinesisEndpoint } : {}),
      ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}),
      ...(flags.region ? { region: flags.region } : {}),
      // Emulators on loopback accept any signature; real AWS uses the standard credential chain.
      ...(local && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    });
    return { clients, close: async () => clients.close() };
  }
  const stack = await startLocalStack();
  const clients = createAwsClients(stack.connection);
  return {
    clients,
    stack,
    close: async () => {
      clients.close();
      await stack.close();
    },
  };
}
