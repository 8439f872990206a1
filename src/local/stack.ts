import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
  /** The emulator process's entry script (`emulator-process.js`); default the one beside this module. Tests pass a transpiled copy. */
  emulatorScript?: string;
}

export const KinesisBackends = ['kinesalite', 'kinesis-mock'] as const;
export type KinesisBackend = (typeof KinesisBackends)[number];

export interface LocalStack {
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  /** Settings any Sluice client (or the aws CLI, boto3) can use to reach this stack. */
  readonly connection: AwsConnection;
  /**
   * Called when an emulator child exits on its own. With `dataDir` the stack restarts it on the
   * same port (`restarted: true`, streams and tables intact); in memory its data is gone, so it
   * stays down and the listener decides (`sluice run` stops the pipeline).
   */
  onEmulatorExit(listener: (exit: EmulatorExit) => void): () => void;
  /** Process ids of the emulator children now (for supervision tools and chaos tests). */
  emulatorPids(): Record<EmulatorKind, number | undefined>;
  close(): Promise<void>;
}

export interface EmulatorExit {
  kind: EmulatorKind;
  pid: number | undefined;
  /** `exited with code 1`, `killed by SIGKILL`. */
  how: string;
  restarted: boolean;
  /** Why a restart failed. */
  error?: Error;
}

export type EmulatorKind = 'kinesis' | 'dynamodb';
const EMULATOR_NAME: Record<EmulatorKind, string> = { kinesis: 'Kinesis emulator (kinesalite)', dynamodb: 'DynamoDB emulator (dynalite)' };

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with code ${code}`;
}

/** Fails at once, naming the folder and the system's reason, when `dir` cannot hold the emulators' data. */
function checkDataDir(dir: string): void {
  const probe = join(dir, `.sluice-write-test-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new SluiceError(
      `Invalid --data-dir: ${JSON.stringify(dir)} is not a writable folder (${(error as NodeJS.ErrnoException).code ?? ''} ${(error as Error).message}). Fix: give a folder you can write to, or omit --data-dir to keep everything in memory`,
      { domain: 'user', code: 'DataDirUnwritable', cause: error },
    );
  }
}

/** Dummy credentials: the emulators accept any signature. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

function emulatorEntry(script?: string): { args: string[] } {
  if (script) return { args: [script] };
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return { args: ['--import', 'tsx', join(here, '..', 'emulator-process.ts')] };
  }
  return { args: [join(here, '..', 'emulator-process.js')] };
}

async function startEmulator(kind: EmulatorKind, port: number, dataDir: string | undefined, timeoutMs: number, script?: string) {
  const { args } = emulatorEntry(script);
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
    child.once('exit', (code, signal) => reject(new Error(`${kind} emulator ${describeExit(code, signal)}${stderr.trim() ? `: ${stderr.trim()}` : ' before it was ready'}`)));
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
/** The message for an emulator that exited on its own. */
export function emulatorExitMessage(e: EmulatorExit): string {
  const name = `The embedded ${EMULATOR_NAME[e.kind]}${e.pid ? ` (pid ${e.pid})` : ''} ${e.how}`;
  if (e.restarted) return `${name}; restarted it on the same port from its --data-dir`;
  if (e.error) return `${name} and could not be restarted: ${e.error.message}`;
  return `${name}. Its data lived in memory and is gone, so Sluice stops here; nothing checkpointed was lost. Fix: find why it died (memory, a kill), then rerun; to survive emulator restarts run \`sluice local start --data-dir DIR\` and point Sluice at it`;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const mock = options.kinesisBackend === 'kinesis-mock';
  const timeoutMs = options.startTimeoutMs ?? (mock ? 60_000 : 20_000);
  if (options.dataDir) checkDataDir(options.dataDir);
  const [k, d] = await Promise.allSettled([
    mock ? spawnKinesisMock(options.kinesisPort ?? 0, options.dataDir) : startEmulator('kinesis', options.kinesisPort ?? 0, options.dataDir, timeoutMs, options.emulatorScript),
    startEmulator('dynamodb', options.dynamodbPort ?? 0, options.dataDir, timeoutMs, options.emulatorScript),
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
  const children: Record<EmulatorKind, ChildProcess> = { kinesis: k.value.child, dynamodb: d.value.child };
  const ports: Record<EmulatorKind, number> = { kinesis: k.value.port, dynamodb: d.value.port };
  const exits = new EventEmitter();
  // Supervision: an emulator that exits while the stack is open is restarted when its data is on
  // disk, and reported either way.
  const supervise = (kind: EmulatorKind) => {
    const child = children[kind];
    child.once('exit', (code, signal) => {
      if (closed) return;
      const how = describeExit(code, signal);
      if (!options.dataDir) {
        exits.emit('exit', { kind, pid: child.pid, how, restarted: false } satisfies EmulatorExit);
        return;
      }
      startEmulator(kind, ports[kind], options.dataDir, timeoutMs, options.emulatorScript).then(
        (restarted) => {
          if (closed) {
            void stopChild(restarted.child);
            return;
          }
          children[kind] = restarted.child;
          supervise(kind);
          exits.emit('exit', { kind, pid: child.pid, how, restarted: true } satisfies EmulatorExit);
        },
        (error: unknown) => exits.emit('exit', { kind, pid: child.pid, how, restarted: false, error: error as Error } satisfies EmulatorExit),
      );
    });
  };
  supervise('kinesis');
  supervise('dynamodb');
  const stack: LocalStack = {
    kinesisEndpoint,
    dynamodbEndpoint,
    connection,
    emulatorPids: () => ({ kinesis: children.kinesis.pid, dynamodb: children.dynamodb.pid }),
    onEmulatorExit(listener) {
      exits.on('exit', listener);
      return () => exits.off('exit', listener);
    },
    close() {
      closed ??= Promise.all([stopChild(children.kinesis), stopChild(children.dynamodb)]).then(() => undefined);
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
