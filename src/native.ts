// Loads the compiled addon: a prebuild for this platform if one is present,
// else the local cmake-js build (node-gyp-build's search order).
import { packageRoot } from './package-root';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild: (dir: string) => unknown = require('node-gyp-build');

/** The raw N-API surface. Internal: every public function validates before calling it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const native: any = nodeGypBuild(packageRoot());
