import type { Config, ParsedConfig } from '../../src/config/schema.js';
import { withDecode } from '../../src/dataset/auto-decode.js';

/**
 * A parsed config as a run over the fixtures uses it: `decode: auto` resolved to what it resolves to for
 * fmnist-tiny (28 px grayscale), for tests that call a stage directly instead of `runPipeline`.
 */
export const asRun = (config: ParsedConfig): Config => withDecode(config, { size: 28, channels: 1 });
