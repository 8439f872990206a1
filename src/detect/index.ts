/** `sluice/detect`: online anomaly detectors, the keyed pipeline operator and the NAB scorer. */
export type { Detector, DetectorState, Scored } from './types.js';
export type { DetectorFactory, DetectorSpec } from './spec.js';
export {
  DEFAULT_DETECTOR,
  DEFAULT_ENSEMBLE,
  DETECTOR_NAMES,
  alertLevelOf,
  createDetector,
  restoreDetector,
  type DetectorName,
} from './registry.js';
export { ThresholdDetector, thresholdParamsSchema, type ThresholdParams } from './threshold.js';
export { EwmaDetector, ewmaParamsSchema, type EwmaParams } from './ewma.js';
export { RandomCutForest, rcfParamsSchema, type RcfParams } from './rcf/forest.js';
export { AnomalyLikelihood, likelihoodParamsSchema, type LikelihoodParams } from './likelihood.js';
export { LikelihoodDetector, likelihoodDetectorParamsSchema } from './likelihood-detector.js';
export { EnsembleDetector, ensembleParamsSchema, type EnsembleParams } from './ensemble.js';
export { ArtDetector, artParamsSchema, type ArtParams } from './art.js';
export { CadDetector, cadParamsSchema, type CadParams } from './cad.js';
export { SpectralResidualDetector, srParamsSchema, type SrParams } from './spectral-residual.js';
export {
  anomalyOperatorOptionsSchema,
  createAnomalyOperator,
  type AnomalyOperator,
  type AnomalyOperatorOptions,
  type Explanation,
} from './operator.js';
export { anomalyOperatorFactory, ANOMALY_OPERATOR_KIND } from './pipeline.js';
export { NAB_PROFILES, scoreFile, sweepCorpus, type CorpusScore, type LabeledSeries, type NabProfile } from './nab/scorer.js';
export { loadNabCorpus, type NabFile } from './nab/corpus.js';
