// Reads the ASan/UBSan/LSan logs scripts/sanitize.sh collected and decides:
// any memory error or undefined behaviour fails; a leak fails only when its
// allocation stack runs through the addon (a frame in one of the given source
// directories, in node-addon-api, or in tensorforge.node itself) — Node's and
// V8's own allocations at exit are theirs to free. A crash of LeakSanitizer
// itself counts as an error report too (scripts/sanitize.sh runs a step whose
// tracer crashed once more, and moves the crashed attempt's logs aside).
//
//   node scripts/sanitizer-report.mjs <log dir> <source dir>...
import * as fs from 'node:fs';
import * as path from 'node:path';

const [dir, ...sources] = process.argv.slice(2);
const addonFrame = (line) => line.includes('tensorforge.node') || line.includes('node-addon-api') || sources.some((s) => line.includes(s));
let errors = 0;
let addonLeaks = 0;
let otherLeaks = 0;
// The log files under `dir`, in its subdirectories too (a step's own logs).
const logFiles = (d) =>
  fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? logFiles(path.join(d, e.name)) : [path.join(d, e.name)]));
for (const file of fs.existsSync(dir) ? logFiles(dir) : []) {
  const f = path.relative(dir, file);
  const text = fs.readFileSync(file, 'utf8');
  if (/ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer: (?!detected memory leaks)|LeakSanitizer has encountered a fatal error/.test(text)) {
    errors++;
    console.log(`--- ${f}\n${text.slice(0, 6000)}`);
  }
  for (const block of text.split(/\n(?=(?:Direct|Indirect) leak of )/)) {
    if (!/^(Direct|Indirect) leak of /.test(block)) continue;
    const frames = block.split('\n').filter((l) => /^\s+#\d+ /.test(l));
    if (frames.some(addonFrame)) {
      addonLeaks++;
      console.log(`--- ${f}\n${block.split('\n').slice(0, 20).join('\n')}`);
    } else {
      otherLeaks++;
    }
  }
}
console.log(`sanitize: ${errors} sanitizer error report(s), ${addonLeaks} addon leak(s) (${otherLeaks} leak records outside the addon ignored)`);
process.exit(errors || addonLeaks ? 1 : 0);
