import type { Command } from 'commander';
import { configJsonSchema, SCHEMA_FILE } from '../config/json-schema.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description(`print the config's JSON Schema (draft-07; the package ships it as ${SCHEMA_FILE}) for editors and other tools`)
    .action(() => {
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });
}
