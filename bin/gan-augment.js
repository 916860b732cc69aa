#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// A reader that goes away (`gan-augment scan --json | head`) ends the output, as it ends `cat`'s: exit
// quietly instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
