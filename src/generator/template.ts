import { base, en, Faker } from '@faker-js/faker';
import { SluiceError } from '../errors.js';
import { TEMPLATE_FUNCTIONS, TemplateArgumentError, type FunctionContext, type ValueThunk } from './functions.js';
import { nearestNames } from './nearest.js';

/**
 * Kinesis Data Generator templates: text with `{{ namespace.function(args) }}` placeholders.
 * A template is parsed and every placeholder validated once; rendering is a loop over
 * precompiled parts with no parsing left.
 *
 * @example
 * const t = compileTemplate('{{name.firstName}},{{random.number({"min":10,"max":550})}}', { seed: 42 });
 * t.render(); // e.g. "Ada,312"
 */
export interface TemplateOptions {
  /** Seeds this template's own faker instance: the same seed renders the same sequence. */
  seed?: number;
  /** The clock `date.*` reads, in epoch ms. Default `Date.now`. */
  now?: () => number;
  /**
   * `'kdg'`: as the Kinesis Data Generator does, the template is trimmed, its own line breaks are
   * removed, and each record ends with one newline (`generate` and `sluice produce` default to it).
   * `'raw'` (default here): the text as written.
   */
  framing?: Framing;
  /** How errors name this template, e.g. `template 2 (orders.tpl)`. Default `template`. */
  name?: string;
}

export type Framing = 'kdg' | 'raw';

/** Where a placeholder sits in the template source. */
export interface Placeholder {
  /** The text between the braces, trimmed, e.g. `random.number(100)`. */
  readonly expression: string;
  /** The function name, e.g. `random.number`. */
  readonly name: string;
  /** 0-based character offset of the opening `{{`. */
  readonly offset: number;
  /** 1-based line and column of the opening `{{`. */
  readonly line: number;
  readonly column: number;
}

export interface RenderedRecord {
  readonly text: string;
  /** The value of each placeholder, in template order (used by the `template-field:N` partition key). */
  readonly values: readonly string[];
}

export interface CompiledTemplate {
  readonly source: string;
  readonly name: string;
  readonly placeholders: readonly Placeholder[];
  render(): string;
  renderRecord(): RenderedRecord;
}

const SMART_QUOTES: Record<string, string> = { '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'" };
const SMART_QUOTE_RE = /[\u201c-\u201f\u2033\u2018\u2019\u201a\u201b\u2032]/g;

/** Replaces typographic quotes (as word processors and the KDG docs produce) with ASCII ones. */
export function normaliseQuotes(text: string): string {
  return text.replace(SMART_QUOTE_RE, (q) => SMART_QUOTES[q] ?? q);
}

const CALL_RE = /^(?:faker\.)?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\s*(?:\(([\s\S]*)\))?$/;
const LINE_BREAKS = /\r?\n/g;

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

type Where = Pick<Placeholder, 'line' | 'column' | 'offset'>;

/** `placeholder` is the text as written, quoted verbatim. */
function templateError(template: string, where: Where, placeholder: string, problem: string, fix: string): SluiceError {
  return new SluiceError(
    `Invalid ${template} at line ${where.line}, column ${where.column}: placeholder ${JSON.stringify(placeholder)}: ${problem}. Fix: ${fix}`,
    { domain: 'user', code: 'InvalidTemplate' },
  );
}

/** Finds the `}}` that closes the placeholder opened at `start`, skipping strings and nested brackets. */
function findClose(source: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < source.length; i++) {
    const c = normaliseQuotes(source[i] as string);
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || (c === '}' && depth > 0)) && depth > 0) depth--;
    else if (c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

/** Parses `args` (the text inside the parentheses) as JSON values, with lenient fallbacks for KDG habits. */
function parseArgs(raw: string): unknown[] | undefined {
  const text = normaliseQuotes(raw).trim();
  if (text === '') return [];
  const attempts = [
    text,
    // single-quoted strings
    text.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => JSON.stringify(s.replace(/\\'/g, "'"))),
  ];
  // unquoted object keys: {min: 1, max: 2}
  attempts.push((attempts[1] as string).replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":'));
  for (const candidate of attempts) {
    try {
      return JSON.parse(`[${candidate}]`) as unknown[];
    } catch {
      // try the next, more lenient reading
    }
  }
  return undefined;
}

/** The unclosed placeholder as written: from `{{` to the end of its line (at most 60 characters). */
function asWritten(source: string, open: number): string {
  const eol = source.indexOf('\n', open);
  const line = source.slice(open, eol === -1 ? undefined : eol).replace(/\r$/, '');
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** Compiles a KDG template. Throws a user-domain {@link SluiceError} naming the first bad placeholder. */
export function compileTemplate(source: string, options: TemplateOptions = {}): CompiledTemplate {
  const faker = new Faker({ locale: [en, base] });
  if (options.seed !== undefined) faker.seed(options.seed);
  const ctx: FunctionContext = { faker, now: options.now ?? Date.now };
  const framing = options.framing ?? 'raw';
  const label = options.name ?? 'template';

  const literals: string[] = [];
  const thunks: ValueThunk[] = [];
  const placeholders: Placeholder[] = [];
  let cursor = 0;
  for (;;) {
    const open = source.indexOf('{{', cursor);
    if (open === -1) break;
    const where = { offset: open, ...position(source, open) };
    // Bracket-aware first; if brackets or quotes are unbalanced, the plain `}}` still lets us report the real problem.
    let close = findClose(source, open + 2);
    if (close === -1) close = source.indexOf('}}', open + 2);
    if (close === -1) {
      throw templateError(label, where, asWritten(source, open), 'the placeholder is never closed', 'end it with "}}", e.g. {{name.firstName}}');
    }
    const written = source.slice(open, close + 2);
    const expression = source.slice(open + 2, close).trim();
    const call = CALL_RE.exec(expression);
    if (!call) {
      throw templateError(label, where, written, 'not a function call', 'write {{namespace.function}} or {{namespace.function(args)}}, e.g. {{random.number(100)}}');
    }
    const name = call[1] as string;
    const fn = TEMPLATE_FUNCTIONS.get(name);
    if (!fn) {
      const near = nearestNames(name, TEMPLATE_FUNCTIONS.keys());
      const fix = near.length > 0 ? `did you mean ${near.join(', ')}? (docs/generator.md lists every function)` : 'docs/generator.md lists every function';
      throw templateError(label, where, written, `unknown function "${name}"`, fix);
    }
    const rawArgs = call[2] === undefined ? undefined : framing === 'kdg' ? call[2].replace(LINE_BREAKS, '') : call[2];
    let args = rawArgs === undefined ? [] : parseArgs(rawArgs);
    // KDG hands a non-JSON argument to the function as a plain string: {{date.now(YYYY-MM-DD)}}.
    if (args === undefined && fn.rawString && rawArgs !== undefined) args = [rawArgs.trim()];
    if (args === undefined) {
      throw templateError(label, where, written, `arguments ${JSON.stringify(rawArgs)} are not valid JSON`, `write JSON arguments, e.g. {{${fn.usage}}}`);
    }
    try {
      thunks.push(fn.compile(args, ctx));
    } catch (error) {
      if (error instanceof TemplateArgumentError) throw templateError(label, where, written, `bad arguments to ${name}: ${error.message}`, `call it as ${fn.usage}`);
      throw error;
    }
    literals.push(source.slice(cursor, open));
    placeholders.push({ expression, name, ...where });
    cursor = close + 2;
  }
  literals.push(source.slice(cursor));
  if (framing === 'kdg') frame(literals);

  const n = thunks.length;
  const renderRecord = (): RenderedRecord => {
    const values = new Array<string>(n);
    let text = literals[0] as string;
    for (let i = 0; i < n; i++) {
      const v = (thunks[i] as ValueThunk)();
      values[i] = v;
      text += v + (literals[i + 1] as string);
    }
    return { text, values };
  };
  const render = (): string => {
    let text = literals[0] as string;
    for (let i = 0; i < n; i++) text += (thunks[i] as ValueThunk)() + (literals[i + 1] as string);
    return text;
  };
  return { source, name: label, placeholders, render, renderRecord };
}

/** KDG's framing on the literal parts: `template.trim().replace(/\n/g, '')`, then a newline after each record. */
function frame(literals: string[]): void {
  for (let i = 0; i < literals.length; i++) literals[i] = (literals[i] as string).replace(LINE_BREAKS, '');
  literals[0] = (literals[0] as string).trimStart();
  const last = literals.length - 1;
  literals[last] = `${(literals[last] as string).trimEnd()}\n`;
}

/** The supported function names with their usage and faker v10 mapping, for docs and `--help`. */
export function templateFunctions(): { name: string; usage: string; mapsTo: string }[] {
  return [...TEMPLATE_FUNCTIONS].map(([name, f]) => ({ name, usage: f.usage, mapsTo: f.mapsTo }));
}
