/**
 * gan-augment as a library: the pipeline stages and their pure parts, typed.
 */
export { runPipeline, plan, gateFailure, type Summary, type RunOptions } from './pipeline.js';
export { loadConfig, parseConfigText } from './config/load.js';
export { validateConfig } from './config/validate.js';
export { ConfigSchema, type Config, type ConfigInput, type ParsedConfig } from './config/schema.js';
export { resolveDecode, withDecode } from './dataset/auto-decode.js';
export { initBackend, describeBackend, type BackendInfo, type BackendName } from './backend/select.js';
export { scanFolder, type ScanResult, type FileRecord } from './dataset/scan.js';
export { decodeAll, decodeFile } from './dataset/decode.js';
export { planBalance, type BalancePlan, type ClassBalance } from './dataset/balance.js';
// Metrics: FID and KID on feature rows (a { data, rows, dims } matrix or number[][]), float64.
export { fid, frechetDistance, meanCov, type Features, type FeatureMatrix, type GaussianStats } from './metrics/fid.js';
export { kid, KID_DEFAULTS, type KidOptions, type KidResult } from './metrics/kid.js';
// Feature extractors: the small classifier, or a local tfjs Layers/Graph model read from disk.
export { classifierExtractor, loadUserExtractor, datasetHash, type FeatureExtractor, type ExtractorInfo, type UserModelSettings } from './metrics/features.js';
export { buildClassifier, type Classifier, type ClassifierSpec } from './classifier/model.js';
export { trainClassifier, type TrainClassifierOptions, type ClassifierTraining } from './classifier/train.js';
export { embed, probabilities, type Embedding } from './classifier/predict.js';
export { saveClassifier, loadClassifier } from './classifier/io.js';
export { fileModel } from './classifier/file-io.js';
// Filters: pure functions from scores to kept/rejected with a reason, and their composition.
export { keepTopByScore, keepTopFraction, keepAboveThreshold, rejectionSample, type DrsOptions, type DrsDecision } from './filter/discriminator-score.js';
export { keepLabelConsistent } from './filter/label-consistency.js';
export { rejectNearCopies, calibrateNearCopy, type NearCopySpace } from './filter/near-copy.js';
export { nearestNeighbours, type Rows, type Nearest } from './filter/nearest.js';
export { qualityGate, type ClassScore, type GateLimits, type GateResult } from './filter/quality-gate.js';
export { applyFilters, type FilterStep, type Selection } from './filter/select.js';
export { type FilterDecision, type Rejection, type FilterDef, type FilterContext, type PreparedStep } from './filter/types.js';
export { FILTERS, FILTER_STEPS, REJECT_REASONS, type RejectReason, type FilterName } from './filter/steps.js';
export { outLayout, OUT_NAMES, syntheticName, type OutLayout } from './out/layout.js';
export { prepareQuality, synthesize, filterCandidates, type QualityContext, type QualitySummary, type ClassSynthesis, type ClassQuality } from './stages/synthesize.js';
export { ManifestEntrySchema, MANIFEST_JSON_SCHEMA, parseManifest, toCsv, toJsonl, type ManifestEntry } from './manifest/build.js';
export { imagefolderLayout } from './manifest/imagefolder.js';
export { writeManifestFiles, type ImagefolderMode } from './manifest/write.js';
export { writeReport } from './report/write.js';
export { evaluate, type EvaluateOptions } from './evaluate/run.js';
export type { EvaluationResult, EvaluationRow } from './evaluate/types.js';
export * from './errors.js';
export { VERSION } from './version.js';
