// Finds the installed package's root directory, so files shipped beside the
// compiled code (the native addon, bundled data) are found both from src/
// (tests run through vitest) and from dist/cjs/ (the published build).
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/**
 * The directory holding tensorforge's own package.json: the nearest one above
 * this file whose `name` is "tensorforge". Cached after the first call.
 * @throws Error when no such package.json exists (a broken installation).
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'tensorforge') return (cached = dir);
      } catch {
        // not ours (or unreadable); keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`tensorforge: cannot find the package root (no package.json named "tensorforge" above ${__dirname})`);
    dir = parent;
  }
}
