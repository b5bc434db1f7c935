// Loads the compiled addon: a prebuild for this platform if one is present,
// else the local cmake-js build (node-gyp-build's search order).
import * as fs from 'node:fs';
import * as path from 'node:path';

function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'tensorforge') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('tensorforge: cannot find the package root to load the native addon');
    dir = parent;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild: (dir: string) => unknown = require('node-gyp-build');

/** The raw N-API surface. Internal: every public function validates before calling it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const native: any = nodeGypBuild(packageRoot());
