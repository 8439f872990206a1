import { describe, expect, it } from 'vitest';
import { javaDoubleToString, schemaTreeString, showString } from './format.js';

describe("Java's Double.toString", () => {
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [128, '128.0'],
    [0.001, '0.001'],
    [0.0001, '1.0E-4'],
    [9999999, '9999999.0'],
    [1e7, '1.0E7'],
    [12345678.9, '1.23456789E7'],
    [102.2878796393209, '102.2878796393209'],
    [5.684341886080801e-14, '5.684341886080801E-14'],
    [-1.4210854715202004e-14, '-1.4210854715202004E-14'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('%s -> %s', (v, s) => expect(javaDoubleToString(v)).toBe(s));
});

describe('show and printSchema', () => {
  it('truncates to 20 characters with ..., right-aligns, and notes the rows left out', () => {
    const text = showString(
      [{ name: 'residuals', type: 'double', nullable: true }],
      [[5.684341886080801e-14], [0], [-1.4210854715202004e-14]],
      3,
      true,
    );
    expect(text).toBe(
      ['+--------------------+', '|           residuals|', '+--------------------+', '|5.684341886080801...|', '|                 0.0|', '|-1.42108547152020...|', '+--------------------+', 'only showing top 3 rows', ''].join('\n'),
    );
  });
  it('prints vectors, nulls, a minimum width of 3 and no footer when all rows are shown', () => {
    const text = showString(
      [{ name: 'f', type: 'vector', nullable: true }, { name: 'n', type: 'integer', nullable: true }],
      [[[4583, 1508], null]],
      20,
      false,
    );
    expect(text).toBe(['+---------------+----+', '|              f|   n|', '+---------------+----+', '|[4583.0,1508.0]|null|', '+---------------+----+', ''].join('\n'));
  });
  it('printSchema uses the tree format', () => {
    expect(schemaTreeString([{ name: 'a', type: 'integer', nullable: true }, { name: 'features', type: 'vector', nullable: true }])).toBe(
      'root\n |-- a: integer (nullable = true)\n |-- features: vector (nullable = true)\n',
    );
  });
});
