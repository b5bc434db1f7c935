// Compiles src/ to CommonJS (dist/cjs) with tsc, then writes a thin ES module
// wrapper (dist/esm) that re-exports the same instance, so `import` and
// `require` users share one copy of the native addon and its state.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });

const require = createRequire(import.meta.url);
const cjs = require(path.join(root, 'dist/cjs/index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule');
const esmDir = path.join(root, 'dist/esm');
fs.mkdirSync(esmDir, { recursive: true });
fs.writeFileSync(path.join(esmDir, 'index.mjs'),
  `import tf from '../cjs/index.js';\nexport const { ${names.join(', ')} } = tf;\nexport default tf;\n`);
fs.writeFileSync(path.join(esmDir, 'index.d.mts'), `export * from '../cjs/index.js';\n`);
console.log(`build-ts: ${names.length} exports (cjs + esm)`);
