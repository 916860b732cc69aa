import type { Command } from 'commander';
import { configJsonSchema, SCHEMA_FILE } from '../config/json-schema.js';
import { examples } from './options.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description(`print the config's JSON Schema (draft-07; the package ships it as ${SCHEMA_FILE}) for editors and other tools`)
    .addHelpText('after', examples(['gan-augment schema > schema/config.schema.json', 'regenerate the shipped schema'], ['gan-augment schema | jq .properties.train', "the train section's settings, defaults and descriptions"]))
    .action(() => {
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });
}
