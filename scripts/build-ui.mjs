// Builds the dashboard page into build/ui (index.html, app.js, app.css): esbuild bundles the page's
// TypeScript with uPlot, so the page needs no CDN and works offline. Run by `npm install` (prepare)
// and by the dashboard tests; `npm run build:ui` by hand.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'dashboard', 'ui');
const out = join(root, 'build', 'ui');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(src, 'app.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
const css = [await readFile(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8'), await readFile(join(src, 'app.css'), 'utf8')].join('\n');
await writeFile(join(out, 'app.css'), css);
await copyFile(join(src, 'index.html'), join(out, 'index.html'));
