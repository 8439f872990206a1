import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { invalidOption, SluiceError } from '../../errors.js';
import { createDetector, DEFAULT_DETECTOR, DETECTOR_NAMES } from '../../detect/registry.js';
import { parseTime } from '../../detect/time.js';

interface DetectFlags {
  input: string;
  output: string;
  detector: string;
  params?: string;
}

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalidOption('--params', text, 'give a JSON object, e.g. \'{"numberOfTrees":50,"shingleSize":4}\'');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw invalidOption('--params', text, 'give a JSON object, e.g. \'{"numberOfTrees":50}\'');
  }
  return v as Record<string, unknown>;
}

/** Scores a `timestamp,value` CSV point by point (strictly online) into `timestamp,value,anomaly_score`. */
export async function detectFile(flags: DetectFlags): Promise<{ rows: number; alerts: number }> {
  if (!existsSync(flags.input)) throw invalidOption('--input', flags.input, 'give the path of an existing timestamp,value CSV file');
  const detector = createDetector(flags.detector, parseParams(flags.params));
  const out = createWriteStream(flags.output);
  const lines = createInterface({ input: createReadStream(flags.input), crlfDelay: Infinity });
  const value = new Float64Array(1);
  let lineNo = 0;
  let rows = 0;
  let alerts = 0;
  try {
    out.write('timestamp,value,anomaly_score\n');
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const comma = line.indexOf(',');
      const ts = comma < 0 ? '' : line.slice(0, comma).trim();
      const raw = comma < 0 ? '' : line.slice(comma + 1).split(',')[0]!.trim();
      const x = raw === '' ? Number.NaN : Number(raw);
      if (lineNo === 1 && Number.isNaN(x)) continue; // header
      if (!Number.isFinite(x)) {
        throw new SluiceError(
          `Invalid value at ${flags.input} line ${lineNo}: ${JSON.stringify(line)}. Fix: every row must be "timestamp,value" with a finite number.`,
          { domain: 'user', code: 'InvalidCsv' },
        );
      }
      value[0] = x;
      const s = detector.update(value, parseTime(ts, `${flags.input} line ${lineNo}`));
      rows++;
      if (s.score >= 0.5) alerts++;
      if (!out.write(`${ts},${raw},${s.score}\n`)) await once(out, 'drain');
    }
  } finally {
    lines.close();
    out.end();
    await once(out, 'close');
  }
  return { rows, alerts };
}

export function register(program: Command): void {
  program
    .command('detect')
    .description('score a timestamp,value CSV point by point (strictly online) and write timestamp,value,anomaly_score in [0, 1]')
    .requiredOption('--input <file>', 'CSV with a timestamp column and a value column')
    .requiredOption('--output <file>', 'where to write timestamp,value,anomaly_score')
    .option('--detector <name>', `one of ${DETECTOR_NAMES.join(', ')}`, DEFAULT_DETECTOR)
    .option('--params <json>', 'detector parameters as JSON, e.g. \'{"numberOfTrees":100,"shingleSize":4}\'')
    .action(async (flags: DetectFlags) => {
      const t0 = performance.now();
      const { rows, alerts } = await detectFile(flags);
      const secs = (performance.now() - t0) / 1000;
      process.stderr.write(
        `${flags.detector}: scored ${rows} rows in ${secs.toFixed(2)} s, ${alerts} at or above 0.5, wrote ${flags.output}\n`,
      );
    });
}
