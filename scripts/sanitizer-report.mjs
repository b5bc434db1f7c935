// Reads the ASan/UBSan/LSan logs scripts/sanitize.sh collected and decides:
// any memory error or undefined behaviour fails; a leak fails only when its
// allocation stack runs through the addon (a frame in one of the given source
// directories, in node-addon-api, or in tensorforge.node itself) — Node's and
// V8's own allocations at exit are theirs to free.
//
//   node scripts/sanitizer-report.mjs <log dir> <source dir>...
import * as fs from 'node:fs';
import * as path from 'node:path';

const [dir, ...sources] = process.argv.slice(2);
const addonFrame = (line) => line.includes('tensorforge.node') || line.includes('node-addon-api') || sources.some((s) => line.includes(s));
let errors = 0;
let addonLeaks = 0;
let otherLeaks = 0;
for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  if (/ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer: (?!detected memory leaks)/.test(text)) {
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
