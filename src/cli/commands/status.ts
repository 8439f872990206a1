import type { Command } from 'commander';
import { listShards } from '../../aws/admin.js';
import { LeaseCoordinator } from '../../checkpoint/leases.js';
import { loadPipelineFile } from '../../pipeline/validate.js';
import { connect, withConnectionFlags, type ConnectionFlags } from '../connection.js';

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
      const [shards, all] = await Promise.all([listShards(conn.clients.kinesis, config.source.stream), leases.read()]);
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
