import type { Row } from '../engine/operator.js';

/** A number from a decoded record: finite numbers, or numeric strings (JSON often quotes them). */
export function numericField(row: Row, col: string): number | undefined {
  const v = row[col];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The feature vector of a row, or the reason it has none (names the column and the value). */
export function rowFeatures(row: Row, featureCols: readonly string[]): { features: number[] } | { reason: string } {
  const features: number[] = [];
  for (const c of featureCols) {
    const v = numericField(row, c);
    if (v === undefined) {
      return { reason: `feature column ${JSON.stringify(c)} is ${JSON.stringify(row[c]) ?? 'missing'}, not a finite number; fix the producer or filter the record before scoring` };
    }
    features.push(v);
  }
  return { features };
}
