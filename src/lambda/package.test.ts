import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timeImport } from './package.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'sluice.js');

describe('sluice lambda package errors', () => {
  it("says why a bundle does not load: the error's name and message, not the last line of stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-load-'));
    try {
      // Like a minified bundle: one long line throws an error with properties of its own (Node prints them as { ... }).
      writeFileSync(join(dir, 'index.mjs'), `const pad = ${JSON.stringify('x'.repeat(2000))}; class SluiceError extends Error {} const e = new SluiceError('window.kind is "sliding", fix: remove window'); e.retriable = false; e.domain = 'user'; throw e;\n`);
      expect(() => timeImport(dir, 'index.mjs')).toThrow(/does not load in a fresh node: SluiceError: window\.kind is "sliding", fix: remove window/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates the pipeline before bundling: the field, the value and the fix, exit 2, no zip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-badpipe-'));
    try {
      const file = join(dir, 'p.yaml');
      writeFileSync(file, ['app: badpipe', 'source: { stream: s }', 'format: { kind: csv, columns: [{ name: id, type: string }] }', 'outputs:', '  - { name: o, sql: "SELECT nope FROM events", sink: { kind: console } }'].join('\n'));
      const r = spawnSync(process.execPath, [bin, 'lambda', 'package', file, '--out', join(dir, 'l.zip')], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2); // a user error (src/cli/main.ts)
      expect(r.stderr).toMatch(/outputs\.o\.sql/);
      expect(r.stderr).toMatch(/nope/);
      expect(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout).not.toMatch(/l\.zip/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
