import type { Command } from 'commander';
import { listShards } from '../../aws/admin.js';
import { LeaseCoordinator } from '../../checkpoint/leases.js';
import { loadPipelineFile } from '../../pipeline/validate.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { SluiceError } from '../../errors.js';

export function register(program: Command): void {
  withConnectionFlags(
    program
      .command('status <pipeline>')
      .description("a pipeline's shards as its checkpoint table sees them: lease owner, lease counter, checkpoint"),
  ).action(async (file: string, opts: ConnectionFlags) => {
    const config = loadPipelineFile(file);
    const conn = await connect({ aws: true, ...opts });
    try {
      // Read-only: a coordinator that never runs a round only reads the table.
      const leases = new LeaseCoordinator({ dynamodb: conn.clients.dynamodb, table: config.app, streamName: config.source.stream, workerId: 'sluice-status' });
      // The stream first, so a wrong stream name is the error shown, then the checkpoint table.
      const shards = await listShards(conn.clients.kinesis, config.source.stream);
      const all = await leases.read().catch((error: unknown) => {
        if (error instanceof SluiceError && error.code === 'ResourceNotFoundException') {
          throw new SluiceError(
            `App ${config.app} has no checkpoint table ${config.app}: it has not run yet (the first run creates it). Fix: start it with sluice run ${file}, or check app in the pipeline file and the DynamoDB endpoint and region`,
            { domain: 'user', code: 'AppNeverRan', cause: error },
          );
        }
        throw error;
      });
      const rows = shards.map((s) => {
        const l = all.find((x) => x.shardId === s.ShardId);
        return {
          shard: s.ShardId,
          open: s.SequenceNumberRange?.EndingSequenceNumber === undefined,
          owner: l?.owner ?? null,
          leaseCounter: l?.counter ?? null,
          checkpoint: l?.checkpoint ?? null,
        };
      });
      process.stdout.write(`${JSON.stringify({ app: config.app, stream: config.source.stream, shards: rows }, null, 2)}\n`);
    } finally {
      await conn.close();
    }
  });
}
