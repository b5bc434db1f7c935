// Loads the compiled addon: a prebuild for this platform if one is present,
// else the local cmake-js build (node-gyp-build's search order).
// TENSORFORGE_ADDON=/path/to/tensorforge.node loads that file instead (e.g.
// the AddressSanitizer build that scripts/sanitize.sh makes).
import { packageRoot } from './package-root';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild: (dir: string) => unknown = require('node-gyp-build');

function load(): unknown {
  const override = process.env.TENSORFORGE_ADDON;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (override) return require(override);
  return nodeGypBuild(packageRoot());
}

/** The raw N-API surface. Internal: every public function validates before calling it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const native: any = load();
