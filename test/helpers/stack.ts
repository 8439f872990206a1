import { afterAll, beforeAll } from 'vitest';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local/stack.js';
import { emulatorEntry } from './cli.js';

export interface StackFixture {
  readonly stack: LocalStack;
  readonly clients: AwsClients;
}

/**
 * One embedded stack per test file, started before its tests and stopped after them
 * (kafkajs' testHelpers in spirit); tests keep apart by unique stream and table names.
 * `useLocalStack({ kinesisBackend: 'kinesis-mock' })` serves Kinesis with kinesis-mock (enhanced fan-out).
 */
export function useLocalStack(options: LocalStackOptions = {}): StackFixture {
  let stack: LocalStack | undefined;
  let clients: AwsClients | undefined;
  beforeAll(async () => {
    stack = await startLocalStack({ emulatorScript: emulatorEntry(), ...options });
    clients = createAwsClients(stack.connection);
  });
  afterAll(async () => {
    clients?.close();
    await stack?.close();
  });
  return {
    get stack() {
      if (!stack) throw new Error('the local stack is used before beforeAll started it');
      return stack;
    },
    get clients() {
      if (!clients) throw new Error('the local stack is used before beforeAll started it');
      return clients;
    },
  };
}
