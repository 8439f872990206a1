#!/usr/bin/env node
// Runs the compiled dist/ when it is up to date with src/ (`npm run build`), else, in a checkout,
// the TypeScript sources through tsx (about 0.4 s more per start), so a stale dist/ never shadows
// the code. An installed package (no src/) always runs dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// The AWS SDK warns on every start that releases after early 2027 need Node 22; the lockfile pins
// versions that run on Node 20, so the warning says nothing actionable here. (The SDK's own switch.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');

/** Newest modification time of the .ts files under a folder (a few hundred stats: about a millisecond). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const fresh = existsSync(compiled) && (!existsSync(source) || statSync(compiled).mtimeMs >= newest(join(root, 'src')));
if (fresh) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
