import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { SluiceError } from '../errors.js';

/** The version of the npm package `kinesis-local` (a JavaScript build of kinesis-mock) Sluice is tested with. */
export const KINESIS_MOCK_PACKAGE = 'kinesis-local@0.6.2';

/** A free loopback port (kinesis-mock needs explicit ports: it cannot report one it picked). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function packageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json'));
  } catch (error) {
    throw new SluiceError(`The kinesis-mock backend needs the npm package kinesis-local, which is not installed. Fix: npm install --save-exact ${KINESIS_MOCK_PACKAGE}`, {
      domain: 'user',
      code: 'KinesisMockMissing',
      cause: error,
    });
  }
}

const GUARD = `
const { spawn } = require('node:child_process');
const mock = spawn(process.execPath, [process.argv[1]], { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => { mock.kill('SIGKILL'); process.exit(0); };
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
mock.on('exit', (code) => process.exit(code ?? 1));
`;

/**
 * Starts kinesis-mock (npm `kinesis-local`) as a child process on a loopback port: the embedded
 * Kinesis's second backend. Unlike kinesalite it serves enhanced fan-out (SubscribeToShard over
 * HTTP/1.1), `ChildShards` and a real `MillisBehindLatest`, but slowly (a few hundred records/s).
 * Readiness is the caller's health check (a real ListStreams call).
 */
export async function spawnKinesisMock(port: number, dataDir: string | undefined): Promise<{ child: ChildProcess; port: number }> {
  const dir = packageDir();
  const plain = port || (await freePort());
  const tls = await freePort();
  const fast = '20ms';
  // Through a small guard process that kills kinesis-mock when our stdin closes, so the emulator
  // never outlives the Sluice process that started it (as emulator-process.ts does for the others).
  const child = spawn(process.execPath, ['-e', GUARD, join(dir, 'main.js')], {
    cwd: dir, // it reads its TLS certificate (server.json) from the working directory
    stdio: ['pipe', 'ignore', 'pipe'],
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plain),
      KINESIS_MOCK_TLS_PORT: String(tls),
      LOG_LEVEL: 'WARN',
      SHARD_LIMIT: '1000',
      CREATE_STREAM_DURATION: fast,
      DELETE_STREAM_DURATION: fast,
      REGISTER_STREAM_CONSUMER_DURATION: fast,
      DEREGISTER_STREAM_CONSUMER_DURATION: fast,
      MERGE_SHARDS_DURATION: fast,
      SPLIT_SHARD_DURATION: fast,
      UPDATE_SHARD_COUNT_DURATION: fast,
      ...(dataDir
        ? { SHOULD_PERSIST_DATA: 'true', LOAD_DATA_IF_EXISTS: 'true', PERSIST_PATH: resolve(dataDir, 'kinesis-mock'), PERSIST_INTERVAL: '1s' }
        : { SHOULD_PERSIST_DATA: 'false' }),
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.once('exit', (code) => {
    if (code && code !== 0) process.emitWarning(`kinesis-mock exited with code ${code}: ${stderr.trim()}`, 'SluiceLocalStack');
  });
  return { child, port: plain };
}
