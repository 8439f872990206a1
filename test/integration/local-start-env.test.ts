import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'sluice.js');
const envClient = join(import.meta.dirname, '..', 'helpers', 'env-client.mjs');

type Run = (exportLines: string, endpoint: string, env: NodeJS.ProcessEnv) => ReturnType<typeof spawnSync>;

/**
 * The printed `export` lines are sourced by a POSIX shell (as a user pastes them), in an
 * environment of only PATH and a fresh HOME, and then the client runs. The shell is /bin/sh,
 * which Node's own child_process.exec needs too.
 */
function inShell(exportLines: string, command: string, args: string[], env: NodeJS.ProcessEnv): ReturnType<typeof spawnSync> {
  return spawnSync('/bin/sh', ['-c', `${exportLines}\nexec "$@"`, 'sh', command, ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

/**
 * Non-Node clients: the aws CLI v1 and boto3 read the region only from AWS_DEFAULT_REGION (the
 * reason both names are printed). A machine with only Node has neither, so the client that always
 * runs is test/helpers/env-client.mjs: no SDK, it reads the environment by botocore's rules and
 * signs with SigV4. Where the aws CLI or boto3 is installed it runs too, against the same output.
 */
function clients(): { name: string; run: Run }[] {
  const found: { name: string; run: Run }[] = [{ name: 'env-client.mjs (botocore rules)', run: (lines, endpoint, env) => inShell(lines, process.execPath, [envClient, endpoint], env) }];
  if (spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0) {
    found.push({ name: 'aws CLI', run: (lines, endpoint, env) => inShell(lines, 'aws', ['--endpoint-url', endpoint, 'kinesis', 'list-streams'], env) });
  }
  if (spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0) {
    const code = "import boto3,sys; print({'StreamNames': boto3.client('kinesis', endpoint_url=sys.argv[1]).list_streams()['StreamNames']})";
    found.push({ name: 'boto3', run: (lines, endpoint, env) => inShell(lines, 'python3', ['-c', code, endpoint], env) });
  }
  return found;
}

describe('sluice local start prints an environment other AWS clients can use', () => {
  it('clients outside Node list streams with only the printed variables, and the region under AWS_DEFAULT_REGION is what they need', async () => {
    const child = spawn(process.execPath, [bin, 'local', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    try {
      const rl = createInterface({ input: child.stdout! });
      for await (const line of rl) {
        lines.push(line);
        if (line.startsWith('{')) break;
      }
      const exportLines = lines.filter((l) => l.trim().startsWith('export ')).map((l) => l.trim());
      expect(exportLines.length).toBe(2);
      const endpoint = (JSON.parse(lines.at(-1)!) as { kinesisEndpoint: string }).kinesisEndpoint;
      // Only PATH and the printed variables; a fresh HOME so no profile supplies a region or credentials.
      const env = { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'sluice-home-')) };
      const sourced = inShell(exportLines.join('\n'), 'env', [], env);
      expect(String(sourced.stdout)).toContain(`SLUICE_KINESIS_ENDPOINT=${endpoint}\n`);
      expect(String(sourced.stdout)).toMatch(/^AWS_DEFAULT_REGION=us-east-1$/m);
      expect(String(sourced.stdout)).toMatch(/^AWS_REGION=us-east-1$/m);

      const ran: string[] = [];
      for (const client of clients()) {
        const r = client.run(exportLines.join('\n'), endpoint, env);
        expect(r.status, `${client.name}: ${r.stderr}`).toBe(0);
        expect(String(r.stdout), client.name).toMatch(/StreamNames/);
        // The control: without AWS_DEFAULT_REGION (only AWS_REGION) the same client refuses, so the test sees the region line matter.
        const noDefault = client.run(`${exportLines.join('\n')}\nunset AWS_DEFAULT_REGION`, endpoint, env);
        expect(noDefault.status, `${client.name} without AWS_DEFAULT_REGION`).not.toBe(0);
        expect(String(noDefault.stderr), client.name).toMatch(/must specify a region/i);
        ran.push(client.name);
      }
      console.log(`local start env checked with: ${ran.join(', ')}`);
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
  }, 90_000);
});
