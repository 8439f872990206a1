import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SluiceError } from '../errors.js';
import { createAwsClients, type AwsConnection } from '../aws/clients.js';
import { sleep } from '../retry.js';
import { spawnKinesisMock } from './kinesis-mock.js';

export interface LocalStackOptions {
  /** Port for the Kinesis emulator; 0 or omitted picks a free one. */
  kinesisPort?: number;
  /** Port for the DynamoDB emulator; 0 or omitted picks a free one. */
  dynamodbPort?: number;
  /** Persist streams and tables under this folder; omitted keeps everything in memory. */
  dataDir?: string;
  /** How long to wait for both emulators to answer. Default 20 s (60 s with kinesis-mock). */
  startTimeoutMs?: number;
  /**
   * Which emulator serves Kinesis: `kinesalite` (default, fast, polling only) or `kinesis-mock`
   * (npm kinesis-local: enhanced fan-out, ChildShards, MillisBehindLatest; slow).
   */
  kinesisBackend?: KinesisBackend;
}

export const KinesisBackends = ['kinesalite', 'kinesis-mock'] as const;
export type KinesisBackend = (typeof KinesisBackends)[number];

export interface LocalStack {
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  /** Settings any Sluice client (or the aws CLI, boto3) can use to reach this stack. */
  readonly connection: AwsConnection;
  close(): Promise<void>;
}

/** Dummy credentials: the emulators accept any signature. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

function emulatorEntry(): { args: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return { args: ['--import', 'tsx', join(here, '..', 'emulator-process.ts')] };
  }
  return { args: [join(here, '..', 'emulator-process.js')] };
}

async function startEmulator(kind: 'kinesis' | 'dynamodb', port: number, dataDir: string | undefined, timeoutMs: number) {
  const { args } = emulatorEntry();
  const child = spawn(process.execPath, [...args, kind, String(port), ...(dataDir ? [join(dataDir, kind)] : [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; port?: number };
        if (msg.ready && typeof msg.port === 'number') resolve(msg.port);
        else reject(new Error(`unexpected line from ${kind} emulator: ${line}`));
      } catch (error) {
        reject(error);
      }
    });
    child.once('exit', (code) => reject(new Error(`${kind} emulator exited with code ${code}: ${stderr.trim()}`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const bound = await ready;
    return { child, port: bound };
  } catch (error) {
    child.kill('SIGKILL');
    throw new SluiceError(`The local ${kind} emulator did not start: ${(error as Error).message}`, {
      domain: 'external',
      code: 'EmulatorStartFailed',
      retriable: true,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end();
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(killer);
}

/**
 * Starts a local Kinesis (kinesalite) and DynamoDB (dynalite), each in its own child process,
 * waits until both answer a real API call, and returns their endpoints.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const mock = options.kinesisBackend === 'kinesis-mock';
  const timeoutMs = options.startTimeoutMs ?? (mock ? 60_000 : 20_000);
  const [k, d] = await Promise.allSettled([
    mock ? spawnKinesisMock(options.kinesisPort ?? 0, options.dataDir) : startEmulator('kinesis', options.kinesisPort ?? 0, options.dataDir, timeoutMs),
    startEmulator('dynamodb', options.dynamodbPort ?? 0, options.dataDir, timeoutMs),
  ]);
  if (k.status === 'rejected' || d.status === 'rejected') {
    if (k.status === 'fulfilled') await stopChild(k.value.child);
    if (d.status === 'fulfilled') await stopChild(d.value.child);
    throw (k.status === 'rejected' ? k.reason : (d as PromiseRejectedResult).reason) as Error;
  }
  const kinesisEndpoint = `http://127.0.0.1:${k.value.port}`;
  const dynamodbEndpoint = `http://127.0.0.1:${d.value.port}`;
  const connection: AwsConnection = { kinesisEndpoint, dynamodbEndpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };

  let closed: Promise<void> | undefined;
  const stack: LocalStack = {
    kinesisEndpoint,
    dynamodbEndpoint,
    connection,
    close() {
      closed ??= Promise.all([stopChild(k.value.child), stopChild(d.value.child)]).then(() => undefined);
      return closed;
    },
  };

  // Health check: both must answer a real call before anyone uses them.
  const clients = createAwsClients({ ...connection, faults: [] }); // the health check never sees injected faults
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await clients.kinesis.send(new ListStreamsCommand({}));
        await clients.dynamodb.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          await stack.close();
          throw new SluiceError('The local stack did not pass its health check in time', {
            domain: 'external',
            code: 'EmulatorUnhealthy',
            retriable: true,
            cause: error,
          });
        }
        await sleep(50);
      }
    }
  } finally {
    clients.close();
  }
  return stack;
}
