import { appendFileSync } from 'node:fs';
import type { MiddlewareStack } from './aws-call.js';

/** One AWS call a client sent: what IAM authorizes (service, action, resource named in the input). */
export interface RecordedCall {
  service: 'kinesis' | 'dynamodb';
  /** The API action, as IAM names it (`GetRecords`, `BatchWriteItem`). */
  action: string;
  /** The stream or table name, or the ARN (StreamARN, ConsumerARN) the input names; absent when it names none (GetRecords by iterator). */
  resource?: string;
  /** Every table a batch call names (BatchWriteItem's RequestItems). */
  tables?: string[];
}

function resourceOf(action: string, input: unknown): Pick<RecordedCall, 'resource' | 'tables'> {
  if (typeof input !== 'object' || input === null) return {};
  const i = input as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const tables = typeof i.RequestItems === 'object' && i.RequestItems !== null ? Object.keys(i.RequestItems) : undefined;
  // A consumer named by stream ARN and name (DescribeStreamConsumer) is authorized on the
  // consumer's ARN, whose creation-time suffix the call does not know: `:*`. Registering one names only the stream.
  const consumer = str(i.StreamARN) && str(i.ConsumerName) && action !== 'RegisterStreamConsumer' ? `${str(i.StreamARN)}/consumer/${str(i.ConsumerName)}:*` : undefined;
  const resource = str(i.ConsumerARN) ?? consumer ?? str(i.StreamARN) ?? str(i.StreamName) ?? str(i.TableName) ?? tables?.[0];
  return { ...(resource ? { resource } : {}), ...(tables ? { tables } : {}) };
}

/**
 * Records every command a client sends, before it is sent (a refused call needs the permission
 * as much as a granted one), once per command (above the SDK's retries). For checking an IAM
 * policy against what a run really does (`sluice iam-policy`, test/integration/iam-policy.test.ts).
 */
export function recordAwsCalls(client: { middlewareStack: unknown }, service: RecordedCall['service'], onCall: (call: RecordedCall) => void): void {
  (client.middlewareStack as MiddlewareStack).add(
    (next, context) => async (args) => {
      const action = context.commandName?.replace(/Command$/, '') ?? 'Unknown';
      onCall({ service, action, ...resourceOf(action, args.input) });
      return next(args);
    },
    { step: 'initialize', name: 'sluiceCallLog', priority: 'high', override: true },
  );
}

/**
 * `SLUICE_RECORD_CALLS=<file>`: every client of this process appends each call to the file as a
 * JSON line (the test of `sluice iam-policy` sets it on real `sluice run` processes). Undefined when unset.
 */
export function callLogFromEnv(env: NodeJS.ProcessEnv = process.env): ((call: RecordedCall) => void) | undefined {
  const file = env.SLUICE_RECORD_CALLS;
  if (!file) return undefined;
  return (call) => appendFileSync(file, `${JSON.stringify(call)}\n`);
}
