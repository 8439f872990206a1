import { readFileSync } from 'node:fs';
import { invalidOption } from '../errors.js';
import { seededRandom } from './rate-plan.js';
import { compileTemplate, type CompiledTemplate, type Framing } from './template.js';

/**
 * Several templates (KDG has up to five tabs), drawn in turn or by weight.
 */
export interface TemplateSpec {
  readonly source: string;
  /** How errors name it, e.g. `orders.tpl` or `orders.tpl #2`. */
  readonly name?: string;
  /** Relative weight when drawing by weight. Default 1. */
  readonly weight?: number;
}

export type TemplatePick = 'turn' | 'weight';

export interface TemplateSet {
  readonly templates: readonly CompiledTemplate[];
  /** The template for the next record. */
  next(): CompiledTemplate;
}

export interface TemplateSetOptions {
  /** Default: `'weight'` when any spec has a weight, else `'turn'`. */
  pick?: TemplatePick;
  framing?: Framing;
  seed?: number;
  now?: () => number;
}

const SEPARATOR = /^---[ \t]*(?:weight[ \t]*[:=][ \t]*(\S+))?[ \t]*$/;

/**
 * Splits a file holding several templates at lines of `---`; `--- weight: 3` gives the template
 * that follows a weight. A lone template (no separator) is returned as is.
 */
export function splitTemplateFile(text: string, path: string): TemplateSpec[] {
  const lines = text.split(/\r?\n/);
  const specs: TemplateSpec[] = [];
  let current: string[] = [];
  let weight: number | undefined;
  let firstLine = 1;
  const push = (endLine: number) => {
    const source = current.join('\n').replace(/\s+$/, '');
    if (source.trim() !== '') specs.push({ source, name: `${path} #${specs.length + 1} (from line ${firstLine})`, ...(weight === undefined ? {} : { weight }) });
    else if (weight !== undefined) throw invalidOption(`${path} line ${endLine}`, '--- weight', 'a weight must be followed by a template');
  };
  lines.forEach((line, i) => {
    const m = SEPARATOR.exec(line);
    if (!m) {
      if (current.length === 0) firstLine = i + 1;
      current.push(line);
      return;
    }
    push(i + 1);
    current = [];
    firstLine = i + 2;
    weight = m[1] === undefined ? undefined : Number(m[1]);
    if (weight !== undefined && !(weight > 0 && Number.isFinite(weight))) throw invalidOption(`${path} line ${i + 1}`, line, 'use --- weight: N with a positive number N');
  });
  push(lines.length);
  if (specs.length === 0) throw invalidOption('--template-file', path, 'the file holds no template');
  if (specs.length === 1) return [{ ...specs[0]!, name: path }];
  return specs;
}

/** Reads a template file (one template, or several split at `---` lines). */
export function readTemplateFile(path: string): TemplateSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw invalidOption('--template-file', path, `cannot read it (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}); give the path of an existing, readable template file`);
  }
  return splitTemplateFile(text, path);
}

/** Compiles every template (each with its own seeded faker) and returns a picker. */
export function compileTemplateSet(specs: readonly TemplateSpec[], options: TemplateSetOptions = {}): TemplateSet {
  if (specs.length === 0) throw invalidOption('templates', [], 'give at least one template');
  const templates = specs.map((spec, i) =>
    compileTemplate(spec.source, {
      name: spec.name === undefined ? (specs.length === 1 ? 'template' : `template ${i + 1}`) : `template ${spec.name}`,
      framing: options.framing ?? 'kdg',
      ...(options.seed === undefined ? {} : { seed: options.seed + i }),
      ...(options.now ? { now: options.now } : {}),
    }),
  );
  const weights = specs.map((s) => s.weight ?? 1);
  weights.forEach((w, i) => {
    if (!(w > 0) || !Number.isFinite(w)) throw invalidOption(`weight of ${templates[i]!.name}`, w, 'use a positive number');
  });
  const pick = options.pick ?? (specs.some((s) => s.weight !== undefined) ? 'weight' : 'turn');
  if (templates.length === 1) return { templates, next: () => templates[0]! };
  if (pick === 'turn') {
    let i = -1;
    return { templates, next: () => templates[(i = (i + 1) % templates.length)]! };
  }
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map(((sum) => (w: number) => (sum += w / total))(0));
  return {
    templates,
    next: () => {
      const r = random();
      const i = cumulative.findIndex((c) => r < c);
      return templates[i === -1 ? templates.length - 1 : i]!;
    },
  };
}
