import type { Command } from 'commander';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDescriptions, SCHEMA_FILE } from '../config/json-schema.js';
import { UserError } from '../errors.js';
import { inspectForInit } from '../init/inspect.js';
import { printable } from '../progress.js';
import { shellQuote } from '../util/shell.js';
import { starterConfig } from '../init/starter.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import { examples } from './options.js';

interface InitFlags {
  config: string;
  out?: string;
  force?: boolean;
}

/** The JSON Schema file shipped in this package. */
const SCHEMA_PATH = fileURLToPath(new URL(`../../${SCHEMA_FILE}`, import.meta.url));

const posix = (p: string) => p.split(path.sep).join('/');
/** `target` as written in a config in `dir`: relative when near (at most two levels up), else absolute. */
const relFrom = (dir: string, target: string) => {
  const r = posix(path.relative(dir, target));
  if (path.isAbsolute(r) || r.startsWith('../../../')) return posix(target);
  return r === '' ? '.' : r.startsWith('.') ? r : `./${r}`;
};

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented starter config for a labelled image folder (size and channels guessed from its images)')
    .argument('<dir>', 'labelled image folder: one sub-folder per class')
    .option('-c, --config <file>', 'config file to write ("-" prints it)', 'gan-augment.yaml')
    .option('--out <dir>', "the config's out folder (default: out/<folder name>, beside the config)")
    .option('--force', 'overwrite an existing config file')
    .addHelpText(
      'after',
      examples(
        ['gan-augment init data/train', 'write gan-augment.yaml for data/train, then: gan-augment validate gan-augment.yaml'],
        ['gan-augment init data/train --config - | less', 'print it instead'],
      ),
    )
    .action(async (dir: string, flags: InitFlags) => {
      const toStdout = flags.config === '-';
      const file = toStdout ? null : path.resolve(flags.config);
      if (file && !flags.force && (await exists(file))) {
        throw new UserError(`${flags.config} exists; pass --force to overwrite it, or choose another --config`);
      }
      const facts = await inspectForInit(path.resolve(dir));
      // What scan would warn about, in one line on stderr (the config alone would hide it).
      const problems = [
        facts.rejected > 0 ? `${facts.rejected} file${facts.rejected === 1 ? '' : 's'} that could not be read` : '',
        facts.conflicts > 0 ? `${facts.conflicts} image${facts.conflicts === 1 ? '' : 's'} filed under two labels (same bytes: a label is wrong)` : '',
      ].filter(Boolean);
      for (const w of facts.layout) process.stderr.write(`warning: ${printable(w)}\n`);
      if (problems.length > 0) process.stderr.write(`warning: ${printable(dir)} holds ${problems.join(' and ')}; \`gan-augment scan ${printable(shellQuote(dir))}\` lists them\n`);
      const base = file ? path.dirname(file) : process.cwd();
      const out = flags.out !== undefined ? path.resolve(flags.out) : path.join(base, 'out', path.basename(facts.root));
      const text = starterConfig(facts, {
        input: relFrom(base, facts.root),
        out: relFrom(base, out),
        schema: relFrom(base, SCHEMA_PATH),
        describe: configDescriptions(),
        file: file ? relFrom(process.cwd(), file) : '<config>',
      });
      if (!file) {
        process.stdout.write(text);
        return;
      }
      await writeFileAtomic(file, text);
      process.stdout.write(`wrote ${relFrom(process.cwd(), file)}: ${facts.plan.classes.length} class${facts.plan.classes.length === 1 ? '' : 'es'}, ${facts.plan.totalDeficit} images to generate; check it with \`gan-augment validate ${relFrom(process.cwd(), file)}\`\n`);
    });
}
