/** How one detector is named in options (`{ detector, params }`), and how composite detectors build their members. */
import { z } from 'zod';
import type { Detector, DetectorState } from './types.js';

export const detectorSpecSchema = z.object({
  detector: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type DetectorSpec = z.output<typeof detectorSpecSchema>;

export type DetectorFactory = {
  create(spec: DetectorSpec): Detector;
  restore(state: DetectorState): Detector;
};
