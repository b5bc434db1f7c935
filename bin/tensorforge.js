#!/usr/bin/env node
// The `tensorforge` command (npx tensorforge tune ...): loads the compiled
// package from dist/ (built by `npm run build:ts`) and runs the sub-command.
'use strict';
const path = require('node:path');

let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'cjs', 'tuner', 'cli.js'));
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('tensorforge: dist/ is missing; run `npm run build:ts` (or `npm run build`) first\n');
    process.exit(1);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`tensorforge: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 1;
  },
);
