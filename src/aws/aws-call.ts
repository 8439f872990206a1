import { awsEvents } from './aws-events.js';

/** Which AWS call an error came from: attached by {@link tagAwsCalls}, read by the retry layers. */
export interface AwsCallInfo {
  service: 'kinesis' | 'dynamodb';
  operation: string;
  /** The shard the call was about, when its input names one (GetRecords by iterator does not). */
  shardId?: string;
  /** The stream or table the call was about, when its input names one. */
  resource?: string;
}

/** Error codes AWS uses to say "slow down"; a retry after one of these counts as throttled. */
export const THROTTLE_CODES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'LimitExceededException',
  'KMSThrottlingException',
  'TooManyRequestsException',
]);

const calls = new WeakMap<object, AwsCallInfo>();

/** The call an error (an SDK error, or the SluiceError that wraps one) came from, if known. */
export function callOf(error: unknown): AwsCallInfo | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return calls.get(error) ?? (error instanceof Error && error.cause ? callOf(error.cause) : undefined);
}

/** Records that `error` came from `info` (used when wrapping an SDK error into a SluiceError). */
export function setCallOf(error: object, info: AwsCallInfo): void {
  calls.set(error, info);
}

/** The slice of the SDK's middleware stack Sluice uses (call recording here, fault injection in faults.ts). */
export type Handler = (args: { input?: unknown }) => Promise<unknown>;
export interface MiddlewareStack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: 'initialize'; name: string; priority?: 'high' | 'normal' | 'low'; override?: boolean },
  ): void;
}

function describeInput(input: unknown): { shardId?: string; resource?: string } {
  if (typeof input !== 'object' || input === null) return {};
  const i = input as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const shardId = str(i.ShardId);
  const resource = str(i.StreamName) ?? str(i.TableName) ?? str(i.StreamARN) ?? str(i.ConsumerARN)
    ?? (typeof i.RequestItems === 'object' && i.RequestItems !== null ? Object.keys(i.RequestItems)[0] : undefined);
  return { ...(shardId ? { shardId } : {}), ...(resource ? { resource } : {}) };
}

/**
 * Installs, outermost on the client's middleware stack, a middleware that tags every error a
 * command throws with the service, operation and resource it came from, so the retry layers can
 * report `aws.retry` events and error messages can name what failed.
 */
export function tagAwsCalls(client: { middlewareStack: unknown }, service: AwsCallInfo['service']): void {
  (client.middlewareStack as MiddlewareStack).add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (typeof error === 'object' && error !== null && !calls.has(error)) {
          calls.set(error, { service, operation: context.commandName?.replace(/Command$/, '') ?? 'Unknown', ...describeInput(args.input) });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'sluiceCallTag', priority: 'high', override: true },
  );
}

function codeOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string' && e.code !== '') return e.code;
  return typeof e?.name === 'string' ? e.name : 'Unknown';
}

/**
 * Emits `aws.retry` for an error about to be retried, if it came from an AWS call.
 * `attempt` is the number of the attempt that failed (1 = the first try).
 */
export function notifyAwsRetry(error: unknown, attempt: number, delayMs: number, shardId?: string): void {
  const call = callOf(error);
  if (!call) return;
  const errorName = codeOf(error);
  const sid = shardId ?? call.shardId;
  awsEvents.emit('aws.retry', {
    service: call.service,
    operation: call.operation,
    errorName,
    throttled: THROTTLE_CODES.has(errorName),
    attempt,
    delayMs,
    ...(sid ? { shardId: sid } : {}),
  });
}
