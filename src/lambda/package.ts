import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { SluiceError, invalidOption } from '../errors.js';
import { createOperators } from '../pipeline/operators.js';
import { loadPipelineFile } from '../pipeline/validate.js';
import { planForLambda, type SkippedOutput } from './plan.js';

export const LAMBDA_ARCHES = ['x86_64', 'arm64'] as const;
export type LambdaArch = (typeof LAMBDA_ARCHES)[number];

export interface PackageOptions {
  pipelineFile: string;
  out: string;
  arch?: LambdaArch;
}

export interface PackageReport {
  out: string;
  arch: LambdaArch;
  zipBytes: number;
  unzippedBytes: number;
  /** Files in the zip, by path. */
  files: string[];
  /** Time for a fresh `node` to import index.mjs (ms); undefined when the arch is not this machine's. */
  coldImportMs: number | undefined;
  /** Outputs that need the pipeline window's rows and do not run on Lambda, with the reason. */
  skipped: SkippedOutput[];
  /** Outputs the function runs. */
  outputs: string[];
}

const require = createRequire(import.meta.url);
/** Packages the Lambda bundle must never contain: the embedded emulators and their storage. */
const EMULATORS = ['kinesalite', 'dynalite', 'leveldown', 'classic-level', 'memdown'];

function bindingPackage(arch: LambdaArch): string {
  return `@duckdb/node-bindings-linux-${arch === 'x86_64' ? 'x64' : 'arm64'}`;
}

/** The folder of DuckDB's native binding for `arch`: installed, or fetched with `npm pack` (same version as @duckdb/node-bindings). */
function bindingDir(arch: LambdaArch, work: string): string {
  const name = bindingPackage(arch);
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    const version = (require('@duckdb/node-bindings/package.json') as { version: string }).version;
    const dir = join(work, 'pack');
    mkdirSync(dir, { recursive: true });
    try {
      const tgz = execFileSync('npm', ['pack', `${name}@${version}`, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()!;
      execFileSync('tar', ['-xzf', tgz], { cwd: dir });
    } catch (error) {
      throw new SluiceError(`cannot fetch ${name}@${version} with npm pack (needed for --arch ${arch}): ${(error as Error).message}; fix: run npm install ${name}@${version} --no-save, or package on a ${arch} machine`, {
        domain: 'external',
        code: 'BindingUnavailable',
        cause: error,
      });
    }
    return join(dir, 'package');
  }
}

function handlerModule(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const f of ['index.ts', 'index.js']) if (existsSync(join(here, f))) return join(here, f);
  throw new SluiceError(`the Lambda handler module is missing next to ${here}; reinstall sluice`, { domain: 'internal', code: 'NoHandlerModule' });
}

function addDir(zip: Zippable, dir: string, prefix: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) addDir(zip, p, `${prefix}${name}/`);
    else zip[`${prefix}${name}`] = readFileSync(p);
  }
}

/**
 * Bundles a pipeline's Lambda handler with esbuild into a zip for `aws lambda create-function`:
 * `index.mjs` at the root exporting `handler` (the pipeline inlined, validated now), and DuckDB's
 * native binding for the Lambda architecture under `node_modules/`. The embedded emulators are
 * refused if anything pulls them in.
 */
export async function packageLambda(options: PackageOptions): Promise<PackageReport> {
  const arch = options.arch ?? 'x86_64';
  if (!LAMBDA_ARCHES.includes(arch)) throw invalidOption('--arch', arch, 'use x86_64 or arm64 (the Lambda architectures)');
  // Validated and planned before bundling: a bad field, a query that does not bind, or a window
  // no output can run without fails here with the pipeline's own error, not in the function.
  const pipeline = loadPipelineFile(options.pipelineFile);
  const plan = await planForLambda(pipeline, await createOperators(pipeline.operators));
  const config = plan.config;
  const work = mkdtempSync(join(tmpdir(), 'sluice-lambda-'));
  try {
    const entry = join(work, 'entry.mjs');
    writeFileSync(
      entry,
      `import { createHandler } from ${JSON.stringify(handlerModule())};\nexport const handler = createHandler(${JSON.stringify(config)}, { skipped: ${JSON.stringify(plan.skipped)} });\n`,
    );
    const outfile = join(work, 'index.mjs');
    const result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
      // The native binding is loaded from node_modules at run time; CommonJS dependencies get a real require.
      external: ['@duckdb/node-bindings-*'],
      banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
    });
    const pulled = Object.keys(result.metafile.inputs).filter((p) => EMULATORS.some((e) => p.includes(`node_modules/${e}/`)));
    if (pulled.length > 0) {
      throw new SluiceError(`the Lambda bundle would include the embedded emulators (${pulled.slice(0, 3).join(', ')}); this is a Sluice bug: the handler must not import src/local`, { domain: 'internal', code: 'EmulatorInBundle' });
    }
    const zip: Zippable = { 'index.mjs': readFileSync(outfile) };
    const binding = bindingDir(arch, work);
    addDir(zip, binding, `node_modules/${bindingPackage(arch)}/`);
    const files = Object.keys(zip);
    const unzippedBytes = Object.values(zip).reduce((n, f) => n + (f as Uint8Array).byteLength, 0);
    const bytes = zipSync(zip, { level: 6 });
    mkdirSync(dirname(resolve(options.out)), { recursive: true });
    writeFileSync(options.out, bytes);
    const hostArch = process.arch === 'x64' ? 'x86_64' : process.arch;
    const coldImportMs = process.platform === 'linux' && hostArch === arch ? measureColdImport(options.out) : undefined;
    return { out: options.out, arch, zipBytes: bytes.byteLength, unzippedBytes, files, coldImportMs, skipped: plan.skipped, outputs: config.outputs.map((o) => o.name) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Unzips into a fresh folder and times a fresh `node` importing index.mjs (the cold start's import, no AWS call). */
export function measureColdImport(zipPath: string): number {
  const dir = extractZip(zipPath);
  try {
    return timeImport(dir, 'index.mjs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds a fresh `node` (cwd `dir`, no inherited environment but PATH) takes to import `dir/file` and find its `handler`. */
export function timeImport(dir: string, file: string): number {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(join(dir, file)).href)}); if (typeof m.handler !== 'function') throw new Error('no handler export'); process.stdout.write(String(performance.now() - t));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' } });
  if (r.status !== 0) throw new SluiceError(`${file} does not load in a fresh node: ${loadError(r.stderr)}`, { domain: 'internal', code: 'PackageDoesNotLoad' });
  return Number(r.stdout);
}

/**
 * The lines of a failed import's stderr that say what went wrong. Node prints the throwing source
 * line first (one line of minified bundle), a caret, then `Name: message`, the stack, the error's
 * own properties and its version; the message is what matters, not the last line (`}`).
 */
export function loadError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trimEnd());
  const start = lines.findIndex((l) => /^([A-Za-z_$][\w$]*(Error|Exception)|Error \[[A-Z_]+\])\b.*:/.test(l) || /^node:internal|^Error:/.test(l));
  const from = start >= 0 ? lines.slice(start) : lines;
  const kept: string[] = [];
  for (const l of from) {
    if (l.trim() === '' || /^\s+at /.test(l) || /^Node\.js v/.test(l)) {
      if (kept.length > 0 && /^\s+at /.test(l)) break;
      continue;
    }
    kept.push(l.length > 400 ? `${l.slice(0, 400)}...` : l);
    if (kept.length >= 4) break;
  }
  return kept.join(' ') || '(no output on stderr)';
}

/** Extracts a zip into a new temporary folder and returns its path. */
export function extractZip(zipPath: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lambda-run-'));
  for (const [name, data] of Object.entries(unzipSync(readFileSync(zipPath)))) {
    const p = join(dir, name);
    if (relative(dir, p).startsWith('..')) throw new SluiceError(`zip entry ${name} escapes its folder`, { domain: 'user', code: 'BadZip' });
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
  return dir;
}
