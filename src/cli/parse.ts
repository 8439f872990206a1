import { invalidOption } from '../errors.js';

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalidOption('port', v, 'use a whole number from 0 to 65535 (0 picks a free port)');
  return n;
}

export function parsePositiveInt(field: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw invalidOption(field, v, 'use a whole number above 0');
    return n;
  };
}

export function parsePositiveNumber(field: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw invalidOption(field, v, 'use a number above 0');
    return n;
  };
}

export function parseRatio(field: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw invalidOption(field, v, 'use a fraction from 0 to 1, e.g. 0.05');
    return n;
  };
}
