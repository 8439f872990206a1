import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { regionFromEndpoint } from './endpoint.js';
import { tagAwsCalls } from './aws-call.js';
import { callLogFromEnv, recordAwsCalls } from './call-log.js';
import { faultsOf, installFaults, parseFaultsEnv, type FaultRule } from './faults.js';

/**
 * Where Sluice talks to AWS. The same code path serves real AWS and the embedded stack:
 * only this factory knows the difference, and only through plain settings.
 */
export interface AwsConnection {
  /** Kinesis endpoint; omit for the SDK default of the region. */
  kinesisEndpoint?: string;
  /** DynamoDB endpoint; omit for the SDK default of the region. */
  dynamodbEndpoint?: string;
  /** Region; if omitted, inferred from the Kinesis endpoint, else the SDK's default chain (AWS_REGION, profile). */
  region?: string;
  /** Static credentials (the embedded stack uses dummy ones); omit for the standard credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Max sockets per client. Default 50. */
  maxSockets?: number;
  /** Injected faults (see `aws/faults.ts`); default: the rules in `SLUICE_FAULTS`, if set. `[]` injects none. */
  faults?: readonly FaultRule[];
}

export interface AwsClients {
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  connection: AwsConnection;
  close(): void;
}

function requestHandler(maxSockets: number) {
  // HTTP/1.1 with keep-alive. The SDK's Kinesis client otherwise negotiates HTTP/2 for
  // SubscribeToShard-capable endpoints, which local emulators reject; HTTP/1.1 works everywhere.
  return new NodeHttpHandler({
    httpAgent: new Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
}

/**
 * The SDK's logger middleware builds a redacted copy of every request and response (walking the
 * whole schema) whenever the logger has an `info` method, even a no-op one: about 5% of Sluice's
 * CPU in the end-to-end benchmark. Without `info`, the SDK skips that work. Warnings still show.
 */
type Logger = NonNullable<NonNullable<ConstructorParameters<typeof KinesisClient>[0]>['logger']>;

const sdkLogger = {
  debug: () => undefined,
  warn: (...args: unknown[]) => process.emitWarning(args.map(String).join(' '), 'AwsSdkWarning'),
  error: () => undefined,
} as unknown as Logger;

export function resolveRegion(conn: AwsConnection): string | undefined {
  return conn.region ?? (conn.kinesisEndpoint ? regionFromEndpoint(conn.kinesisEndpoint) : undefined)
    ?? (conn.dynamodbEndpoint ? regionFromEndpoint(conn.dynamodbEndpoint) : undefined)
    ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

export function createAwsClients(conn: AwsConnection): AwsClients {
  const region = resolveRegion(conn) ?? 'us-east-1';
  const maxSockets = conn.maxSockets ?? 50;
  const common = {
    region,
    ...(conn.credentials ? { credentials: conn.credentials } : {}),
    maxAttempts: 3,
    logger: sdkLogger,
  };
  const kinesis = new KinesisClient({
    ...common,
    ...(conn.kinesisEndpoint ? { endpoint: conn.kinesisEndpoint } : {}),
    requestHandler: requestHandler(maxSockets),
    // GetRecords is the hot call (every shard, idle or not): resolve its middleware stack once per
    // command class, not per call (a fifth of an idle read's CPU). Middleware is added to this
    // client only here and by installFaults (which clears the cache), never per command. Not for
    // DynamoDB: the sink fence adds middleware to each BatchWriteItem command.
    cacheMiddleware: true,
  });
  const dynamodb = new DynamoDBClient({
    ...common,
    ...(conn.dynamodbEndpoint ? { endpoint: conn.dynamodbEndpoint } : {}),
    requestHandler: requestHandler(maxSockets),
  });
  tagAwsCalls(kinesis, 'kinesis');
  tagAwsCalls(dynamodb, 'dynamodb');
  const faults = conn.faults ?? parseFaultsEnv(process.env.SLUICE_FAULTS);
  installFaults(kinesis, 'kinesis', faults);
  installFaults(dynamodb, 'dynamodb', faults);
  const log = callLogFromEnv();
  if (log) {
    recordAwsCalls(kinesis, 'kinesis', log);
    recordAwsCalls(dynamodb, 'dynamodb', log);
  }
  let closed = false;
  return {
    kinesis,
    dynamodb,
    connection: { ...conn, region, faults },
    close() {
      if (closed) return;
      closed = true;
      kinesis.destroy();
      dynamodb.destroy();
    },
  };
}

/**
 * The client enhanced fan-out subscribes with. On AWS, SubscribeToShard needs HTTP/2: a new client
 * with the SDK's default HTTP/2 handler (one session per subscription), the same region,
 * credentials and middleware (call tags, faults). A custom endpoint (an emulator: kinesis-mock
 * serves subscriptions over HTTP/1.1) keeps the given client. `owned` says whether to destroy it.
 */
export function subscriptionClient(base: KinesisClient): { client: KinesisClient; owned: boolean } {
  const config = base.config as unknown as { isCustomEndpoint?: boolean };
  if (config.isCustomEndpoint) return { client: base, owned: false };
  const client = new KinesisClient({
    region: base.config.region,
    credentials: base.config.credentials,
    maxAttempts: 3,
    logger: sdkLogger,
  });
  tagAwsCalls(client, 'kinesis');
  installFaults(client, 'kinesis', faultsOf(base));
  const log = callLogFromEnv();
  if (log) recordAwsCalls(client, 'kinesis', log);
  return { client, owned: true };
}

/** Installs fault rules on both clients (a pipeline's `faults:` block), replacing those from `SLUICE_FAULTS`. */
export function applyFaults(clients: AwsClients, rules: readonly FaultRule[]): void {
  installFaults(clients.kinesis, 'kinesis', rules);
  installFaults(clients.dynamodb, 'dynamodb', rules);
  forgetResolvedMiddleware(clients.kinesis);
}

/**
 * Drops the middleware a `cacheMiddleware` client resolved per command class, so middleware added
 * after its first calls applies to the next ones. The cache is the client's `handlers` field,
 * which its own `destroy()` deletes the same way (@smithy/core's Client).
 */
export function forgetResolvedMiddleware(client: KinesisClient): void {
  delete (client as unknown as { handlers?: unknown }).handlers;
}
