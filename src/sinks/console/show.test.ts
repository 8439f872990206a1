import { describe, expect, it } from 'vitest';
import { showTable } from './show.js';

describe('showTable (Spark show format)', () => {
  it('boxes, right-aligns and reports hidden rows', () => {
    const rows = [
      { id: 'Ada', currentTemp: 540 },
      { id: 'Bartholomew', currentTemp: 99 },
      { id: 'Cy', currentTemp: 12 },
    ];
    expect(showTable(rows, ['id', 'currentTemp'], 2)).toBe(
      ['+-----------+-----------+', '|         id|currentTemp|', '+-----------+-----------+', '|        Ada|        540|', '|Bartholomew|         99|', '+-----------+-----------+', 'only showing top 2 rows', ''].join('\n'),
    );
  });
  it('truncates cells to 20 characters with ... and prints null', () => {
    const out = showTable([{ s: 'x'.repeat(30), n: null }], ['s', 'n']);
    expect(out).toContain(`|${'x'.repeat(17)}...|null|`);
  });
});
