import { describe, expect, it } from 'vitest';
import { catalogue, documentedFunctions } from '../../test/helpers/catalogue.js';
import { compileTemplate, templateFunctions } from './template.js';

describe('docs/generator.md', () => {
  it('lists every template function with its usage and mapping, and nothing else', () => {
    expect(documentedFunctions()).toEqual(templateFunctions());
  });

  it("has a catalogue holding every KDG help-page example, each of which compiles and renders one KDG-framed line", () => {
    const entries = catalogue();
    const names = entries.map((e) => e.name);
    for (const kdg of ['kdg-help-csv', 'kdg-help-sensor-json', 'kdg-help-date-now', 'kdg-help-date-now-long', 'kdg-help-date-now-short', 'kdg-help-date-now-apache', 'kdg-help-date-utc', 'kdg-help-date-utc-long', 'kdg-help-date-utc-short', 'kdg-help-date-utc-apache', 'kdg-help-weighted', 'kdg-help-simtime']) {
      expect(names).toContain(kdg);
    }
    for (const { name, source } of entries) {
      const line = compileTemplate(source, { name, framing: 'kdg', seed: 1 }).render();
      expect(line, name).toMatch(/^[^\n]+\n$/);
    }
  });
});
