/**
 * gan-augment as a library: the pipeline stages and their pure parts, typed.
 */
export { runPipeline, plan, type Summary, type RunOptions } from './pipeline.js';
export { loadConfig, parseConfigText } from './config/load.js';
export { validateConfig } from './config/validate.js';
export { ConfigSchema, type Config, type ConfigInput } from './config/schema.js';
export { initBackend, describeBackend, type BackendInfo, type BackendName } from './backend/select.js';
export { scanFolder, type ScanResult, type FileRecord } from './dataset/scan.js';
export { decodeAll, decodeFile } from './dataset/decode.js';
export { planBalance, type BalancePlan, type ClassBalance } from './dataset/balance.js';
export { keepTopByScore } from './filter/discriminator-score.js';
export { ManifestEntrySchema, MANIFEST_JSON_SCHEMA, parseManifest, toCsv, toJsonl, type ManifestEntry } from './manifest/build.js';
export { imagefolderLayout } from './manifest/imagefolder.js';
export * from './errors.js';
export { VERSION } from './version.js';
