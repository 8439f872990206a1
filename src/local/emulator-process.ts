/**
 * Entry point of one emulator child process: `kinesis` (kinesalite) or `dynamodb` (dynalite).
 * Prints one JSON line `{"ready":true,"port":N}` on stdout once listening, and exits when its
 * parent closes stdin (so an emulator never outlives the Sluice process that started it).
 *
 * argv: <kind> <port|0> [dataDir]
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { speedUpKinesalite } from './kinesalite-speed.js';

const [kind, portArg, dataDir] = process.argv.slice(2);
const port = Number(portArg ?? 0);

interface EmulatorFactory {
  (options: Record<string, unknown>): Server;
}

async function main() {
  let server: Server;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  if (kind === 'kinesis') {
    speedUpKinesalite();
    const kinesalite = (await import('kinesalite')).default as unknown as EmulatorFactory;
    server = kinesalite({ createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 20, shardLimit: 1000, ...(dataDir ? { path: dataDir } : {}) });
  } else if (kind === 'dynamodb') {
    const dynalite = (await import('dynalite')).default as unknown as EmulatorFactory;
    server = dynalite({ createTableMs: 20, deleteTableMs: 20, updateTableMs: 20, ...(dataDir ? { path: dataDir } : {}) });
  } else {
    throw new Error(`unknown emulator kind ${JSON.stringify(kind)}: use kinesis or dynamodb`);
  }
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`${JSON.stringify({ ready: true, port: bound })}\n`);

  const stop = () => {
    server.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => {
    /* the parent decides when we stop */
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
