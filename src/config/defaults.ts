/**
 * Every default, in one typed place: the config schema's defaults, resolved once. Modules that take
 * settings outside a config (library calls, `evaluate`'s flags) read their defaults from here, never
 * from a copy.
 */
import { ConfigSchema, type Config } from './schema.js';

/** The resolved config with nothing set (the input path is a placeholder: it has no default). */
export const DEFAULTS: Readonly<Config> = ConfigSchema.parse({ input: '.' });
