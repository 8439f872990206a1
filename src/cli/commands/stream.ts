import type { Command } from 'commander';
import { deleteStream, describeStream, ensureStream, listShards } from '../../aws/admin.js';
import { SluiceError, isSluiceError } from '../../errors.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { parsePositiveInt } from '../parse.js';

export function register(program: Command): void {
  const stream = program.command('stream').description('create, describe and delete Kinesis streams');
  withConnectionFlags(stream.command('create <name>').description('create a stream (idempotent) and wait until ACTIVE'))
    .option('--shards <n>', 'number of shards', parsePositiveInt('shards'), 1)
    .action(async (name: string, opts: ConnectionFlags & { shards: number }) => {
      const conn = await connect({ aws: true, ...opts });
      try {
        process.stdout.write(`${JSON.stringify(await ensureStream(conn.clients.kinesis, name, opts.shards))}\n`);
      } finally {
        await conn.close();
      }
    });
  withConnectionFlags(stream.command('describe <name>').description('status and shards of a stream')).action(async (name: string, opts: ConnectionFlags) => {
    const conn = await connect({ aws: true, ...opts });
    try {
      const info = await describeStream(conn.clients.kinesis, name);
      const shards = await listShards(conn.clients.kinesis, name);
      process.stdout.write(`${JSON.stringify({ ...info, shards: shards.map((s) => ({ id: s.ShardId, parent: s.ParentShardId, open: !s.SequenceNumberRange?.EndingSequenceNumber })) }, null, 2)}\n`);
    } finally {
      await conn.close();
    }
  });
  withConnectionFlags(stream.command('delete <name>').description('delete a stream')).action(async (name: string, opts: ConnectionFlags) => {
    const conn = await connect({ aws: true, ...opts });
    try {
      // Deleting is idempotent for tests and scripts that clean up; on the command line a missing stream is a mistake worth saying.
      const found = await describeStream(conn.clients.kinesis, name).then(
        () => true,
        (error: unknown) => {
          if (isSluiceError(error) && error.code === 'ResourceNotFoundException') return false;
          throw error;
        },
      );
      if (!found) {
        throw new SluiceError(`No stream named ${JSON.stringify(name)} to delete; nothing was deleted. Fix: check the name and the endpoint (--endpoint-url or SLUICE_KINESIS_ENDPOINT)`, {
          domain: 'user',
          code: 'StreamNotFound',
        });
      }
      await deleteStream(conn.clients.kinesis, name);
      process.stdout.write(`${JSON.stringify({ deleted: name })}\n`);
    } finally {
      await conn.close();
    }
  });
}
