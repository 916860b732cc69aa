#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// A reader that goes away (`gan-augment scan --json | head`) ends the output, not the command: the rest
// of stdout is dropped instead of dying on an unhandled EPIPE with a stack trace, and the command still
// finishes and sets its exit code (3 for a failed quality gate, say).
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
});

process.exitCode = await main(process.argv.slice(2));
