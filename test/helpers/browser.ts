import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Chromium for playwright-core's `executablePath`, and where it came from. */
export interface Browser {
  readonly executablePath: string;
  /** `SLUICE_CHROMIUM`, `system` (/usr/bin/chromium) or `npm` (@sparticuz/chromium). */
  readonly source: 'SLUICE_CHROMIUM' | 'system' | 'npm';
}

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const root = join(import.meta.dirname, '..', '..');

/**
 * The browser for the dashboard's browser tests and bench, with nothing but `npm install`:
 * `SLUICE_CHROMIUM` if set, else the system's Chromium (Debian's /usr/bin/chromium) if it exists,
 * else the headless Chromium that the @sparticuz/chromium dev dependency ships inside its npm
 * package (brotli-compressed; unpacked once, about 7 s, into node_modules/.cache and reused).
 * `SLUICE_CHROMIUM=npm` forces the npm build even where a system Chromium exists.
 */
export function findChromium(): Browser {
  const wanted = process.env.SLUICE_CHROMIUM;
  if (wanted && wanted !== 'npm') {
    if (!existsSync(wanted)) throw new Error(`SLUICE_CHROMIUM=${wanted} does not exist. Fix: point SLUICE_CHROMIUM at a Chromium binary, or unset it to use ${SYSTEM_CHROMIUM} or the npm package @sparticuz/chromium`);
    return { executablePath: wanted, source: 'SLUICE_CHROMIUM' };
  }
  if (wanted !== 'npm' && existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: 'system' };
  return npmChromium();
}

function npmChromium(): Browser {
  const pkgDir = join(root, 'node_modules', '@sparticuz', 'chromium');
  if (!existsSync(join(pkgDir, 'package.json'))) {
    throw new Error(`no browser for the dashboard tests: ${SYSTEM_CHROMIUM} does not exist and the dev dependency @sparticuz/chromium is not installed. Fix: npm install (it ships a headless Chromium), or set SLUICE_CHROMIUM to a Chromium binary`);
  }
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  // The package unpacks into os.tmpdir() and reuses whatever `chromium` it finds there; a private
  // TMPDIR per version keeps it from taking another version's binary (or another user's) from /tmp.
  const cache = join(root, 'node_modules', '.cache', 'sluice-chromium', version);
  const executablePath = join(cache, 'chromium');
  if (!existsSync(executablePath)) {
    mkdirSync(cache, { recursive: true });
    const script = "import('@sparticuz/chromium').then((m) => m.default.executablePath()).then((p) => process.stdout.write(p))";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, TMPDIR: cache }, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 || r.stdout !== executablePath) {
      throw new Error(`unpacking the Chromium of @sparticuz/chromium ${version} into ${cache} failed (exit ${r.status}, printed "${r.stdout}"): ${r.stderr}. Fix: rm -rf ${cache} and npm install again, or set SLUICE_CHROMIUM to a Chromium binary`);
    }
  }
  // Its fonts.conf names /tmp/fonts, so FONTCONFIG_PATH is left alone: the system's fontconfig serves.
  return { executablePath, source: 'npm' };
}
