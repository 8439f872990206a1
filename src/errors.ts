/**
 * One root error for everything Sluice throws on purpose.
 *
 * - `domain` says whose fault it is: `user` (bad config or input: fix the call),
 *   `external` (AWS or the emulator misbehaved), `internal` (a Sluice bug).
 * - `retriable` is the only thing the retry helper reads.
 * - `code` is a stable machine-readable name (`'ExpiredIteratorException'`, `'InvalidOption'`, ...).
 */
export const ErrorDomain = {
  user: 'user',
  external: 'external',
  internal: 'internal',
} as const;
export type ErrorDomain = (typeof ErrorDomain)[keyof typeof ErrorDomain];

export interface SluiceErrorOptions {
  domain: ErrorDomain;
  code: string;
  retriable?: boolean;
  cause?: unknown;
}

export class SluiceError extends Error {
  readonly domain: ErrorDomain;
  readonly code: string;
  readonly retriable: boolean;

  constructor(message: string, options: SluiceErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.domain = options.domain;
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * A user's mistake: names the option (or field), the value given, and the fix.
 *
 * @example
 * throw invalidOption('batchInterval', -5, 'use a positive number of milliseconds, e.g. 1000');
 */
export function invalidOption(field: string, value: unknown, fix: string): SluiceError {
  return new SluiceError(`Invalid ${field}: ${describeValue(value)}. Fix: ${fix}`, {
    domain: 'user',
    code: 'InvalidOption',
  });
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

export function isSluiceError(e: unknown): e is SluiceError {
  return e instanceof SluiceError;
}
