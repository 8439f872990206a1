import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'sluice.js');

/** A non-Node AWS client: the aws CLI, else boto3. */
function findClient(): { name: string; listStreams: (endpoint: string, env: NodeJS.ProcessEnv) => ReturnType<typeof spawnSync> } | undefined {
  if (spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0) {
    return { name: 'aws CLI', listStreams: (endpoint, env) => spawnSync('aws', ['--endpoint-url', endpoint, 'kinesis', 'list-streams'], { encoding: 'utf8', env, timeout: 60_000 }) };
  }
  if (spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0) {
    const code = "import boto3,sys; print(boto3.client('kinesis', endpoint_url=sys.argv[1]).list_streams())";
    return { name: 'boto3', listStreams: (endpoint, env) => spawnSync('python3', ['-c', code, endpoint], { encoding: 'utf8', env, timeout: 60_000 }) };
  }
  return undefined;
}

const client = findClient();

describe('sluice local start prints an environment other AWS clients can use', () => {
  it.skipIf(!client)(`a non-Node client (${client?.name ?? 'skipped: neither the aws CLI nor boto3 is installed; apt-get install awscli or pip install boto3'}) lists streams with only the printed variables`, async () => {
    const child = spawn(process.execPath, [bin, 'local', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    try {
      const rl = createInterface({ input: child.stdout! });
      for await (const line of rl) {
        lines.push(line);
        if (line.startsWith('{')) break;
      }
      const exported: Record<string, string> = {};
      for (const line of lines.filter((l) => l.trim().startsWith('export '))) {
        for (const kv of line.trim().slice('export '.length).split(/\s+/)) {
          const [k, v] = kv.split('=');
          exported[k!] = v!;
        }
      }
      expect(exported.AWS_DEFAULT_REGION).toBe(exported.AWS_REGION);
      // Only PATH and the printed variables; a fresh HOME so no profile supplies a region.
      const env = { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'sluice-home-')), ...exported };
      const r = client!.listStreams(exported.SLUICE_KINESIS_ENDPOINT!, env);
      expect(r.status, `${r.stderr}`).toBe(0);
      expect(String(r.stdout)).toMatch(/StreamNames/);
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
  }, 90_000);
});
