// The npm tarball installs and runs on a machine with no compiler and no BLAS:
// `npm pack` (prepack builds dist/), then `npm install <tarball>` into a fresh
// project with cmake, make and the compilers removed from PATH, then the
// package is used from CommonJS and from an ES module. Needs the prebuild for
// this platform (`npm run prebuild`; .ci/run builds it first).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLAS_LIBRARY, describeRun, ENABLED, EXPECTED_BLAS, PREBUILD, REPO, run, toolFreeBin, TUPLE } from './helpers';

const MAX_TARBALL_BYTES = 40e6;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

// Trains y = 1 + x0 + 2 x1 with one dense unit; prints what the checks need as JSON.
const TRAIN = `
  const model = tf.sequential([tf.layers.dense({ units: 1, inputShape: [2] })]);
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const x = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [1, 0.5]]);
  const y = tf.tensor2d([[1], [3], [2], [4], [2.5], [3]]);
  const { history } = await model.fit(x, y, { epochs: 60, batchSize: 3, verbose: 0 });
  const info = tf.backendInfo();
  console.log(JSON.stringify({ blas: info.blas, portable: info.portable, first: history.loss[0], last: history.loss.at(-1) }));
`;

interface TrainReport {
  blas: string;
  portable: boolean;
  first: number;
  last: number;
}

describe.skipIf(!ENABLED)(`npm package (prebuild ${TUPLE})`, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorforge-pack-'));
  const app = path.join(tmp, 'app');
  let tarball = '';
  let env: NodeJS.ProcessEnv = {};
  let packed: { size: number; unpackedSize: number; files: { path: string }[] };

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  beforeAll(() => {
    if (!fs.existsSync(PREBUILD)) throw new Error(`no prebuild at ${PREBUILD}: run \`npm run prebuild\` first`);
    // prepack (npm run build:ts) writes its log to stdout too; the JSON report is the last thing printed.
    const r = run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: REPO });
    if (r.status !== 0) throw new Error(describeRun('npm pack', r));
    const json = r.stdout.slice(r.stdout.lastIndexOf('\n[') + 1);
    packed = JSON.parse(json)[0];
    tarball = path.join(tmp, JSON.parse(json)[0].filename);

    // A fresh project whose PATH has node and npm but no cmake, make or compiler.
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const bin = toolFreeBin(path.join(tmp, 'bin'));
    env = { ...process.env, PATH: bin };
    // Drop the settings of the npm running this test (its prefix, loglevel, lifecycle) but keep where the registry and cache are.
    for (const k of Object.keys(env)) {
      if ((/^npm_/i.test(k) && !/^npm_config_(cache|cafile|userconfig|globalconfig|registry|strict_ssl|proxy|https_proxy|noproxy)$/i.test(k)) || k === 'INIT_CWD') delete env[k];
    }
    delete env.TENSORFORGE_PREBUILD; // would redirect node-gyp-build away from the installed package
    delete env.TENSORFORGE; // would make node-gyp-build-test skip its check
    Object.assign(env, { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
    const tools = run('sh', ['-c', 'command -v cmake make gcc g++ c++ cc || true'], { env });
    if (tools.stdout.trim()) throw new Error(`build tools still on the test PATH: ${tools.stdout}`);
    // --prefer-offline: the dependencies are in npm's cache after `npm ci`; the registry is asked only for what is not.
    const install = run('npm', ['install', tarball, '--prefer-offline'], { cwd: app, env });
    if (install.status !== 0) throw new Error(describeRun('npm install <tarball> (no compiler on PATH)', install));
  }, 600_000);

  it('tarball holds the prebuild, dist/ and the sources a fallback build needs, not tests, benches or data; under 40 MB', () => {
    const files = packed.files.map((f) => f.path);
    console.log(`tarball ${path.basename(tarball)}: ${mb(packed.size)} packed, ${mb(packed.unpackedSize)} unpacked, ${files.length} files; ` +
      `prebuild ${mb(fs.statSync(PREBUILD).size)}`);
    for (const f of [`prebuilds/${TUPLE}/tensorforge.node`, 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs', 'dist/esm/index.d.mts',
      'CMakeLists.txt', 'binding/addon.cc', 'native/gemm.cc', 'native/gemm_portable.cc', 'package.json', 'README.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(test|bench|data|examples|src|scripts|build[^/]*|\.ci)\//.test(f) || f.endsWith('.tgz'))).toEqual([]);
    expect(packed.size).toBeLessThan(MAX_TARBALL_BYTES);
  });

  it.runIf(process.platform === 'linux')('prebuild needs no shared BLAS: readelf -d lists only libc-family libraries', () => {
    const r = run('readelf', ['-d', PREBUILD]);
    expect(r.status, describeRun('readelf -d', r)).toBe(0);
    const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    console.log(`prebuild NEEDED: ${needed.join(' ')}\nldd:\n${run('ldd', [PREBUILD]).stdout}`);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((lib) => BLAS_LIBRARY.test(lib))).toEqual([]);
    // libstdc++ and libgcc are linked statically too (see CMakeLists.txt), so only glibc's own libraries remain.
    expect(needed.filter((lib) => !/^(libc|libm|libpthread|libdl|librt)\.so\.\d+$|^ld-linux[-\w.]*\.so\.\d+$/.test(lib))).toEqual([]);
  });

  it('installs without compiling: no build/ directory, node-gyp-build resolves the prebuild', () => {
    const pkg = path.join(app, 'node_modules', 'tensorforge');
    expect(fs.existsSync(path.join(pkg, 'build'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'data'))).toBe(false);
    const r = run(process.execPath, ['-p', `require('node-gyp-build').path(${JSON.stringify(pkg)})`], { cwd: app, env });
    expect(r.status, describeRun('node-gyp-build', r)).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(pkg, 'prebuilds', TUPLE, 'tensorforge.node'));
  });

  function check(report: TrainReport): void {
    expect(report.blas).toBe(EXPECTED_BLAS);
    expect(report.portable).toBe(false);
    expect(Number.isFinite(report.first)).toBe(true);
    expect(report.last).toBeLessThan(report.first / 4);
  }

  it('CommonJS: require() loads it and a tiny model trains on the bundled BLAS', () => {
    const r = run(process.execPath, ['-e', `const tf = require('tensorforge'); (async () => { ${TRAIN} })().catch((e) => { console.error(e); process.exit(1); });`], { cwd: app, env });
    expect(r.status, describeRun('node -e (CJS)', r)).toBe(0);
    check(JSON.parse(r.stdout));
  });

  it('ES module: default and named imports load it, share one instance with require(), and train', () => {
    const script = `
      import tf, { sequential, backendInfo } from 'tensorforge';
      import { createRequire } from 'node:module';
      if (createRequire(import.meta.url)('tensorforge') !== tf) throw new Error('import and require gave two copies');
      if (sequential !== tf.sequential || backendInfo !== tf.backendInfo) throw new Error('named and default exports differ');
      ${TRAIN}`;
    const r = run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env });
    expect(r.status, describeRun('node --input-type=module -e (ESM)', r)).toBe(0);
    check(JSON.parse(r.stdout));
  });

  it('fashionMnist without the full dataset says the subset is not in the npm package and how to get the data', () => {
    const r = run(process.execPath, ['-e', `require('tensorforge').datasets.fashionMnist({ subset: true }).then(() => console.log('loaded'), (e) => console.log(e.message))`], { cwd: app, env });
    expect(r.status, describeRun('fashionMnist', r)).toBe(0);
    expect(r.stdout).toMatch(/not its npm package/);
    expect(r.stdout).toMatch(/apt install dataset-fashion-mnist/);
  });

  it('with no prebuild for the platform, the install script compiles from source with cmake-js', () => {
    // The same tarball minus prebuilds/: what a platform without a prebuild gets.
    const unpacked = path.join(tmp, 'unpacked');
    const noPrebuild = path.join(tmp, 'tensorforge-no-prebuild.tgz');
    fs.mkdirSync(unpacked);
    expect(run('tar', ['-xzf', tarball, '-C', unpacked]).status).toBe(0);
    fs.rmSync(path.join(unpacked, 'package', 'prebuilds'), { recursive: true });
    expect(run('tar', ['-czf', noPrebuild, '-C', unpacked, 'package']).status).toBe(0);

    const app3 = path.join(tmp, 'app-source-build');
    fs.mkdirSync(app3);
    fs.writeFileSync(path.join(app3, 'package.json'), JSON.stringify({ name: 'app3', version: '1.0.0', private: true }));
    const withTools = { ...env, PATH: (process.env.PATH ?? '').split(path.delimiter).filter((d) => !d.split(path.sep).includes('node_modules')).join(path.delimiter) };
    const install = run('npm', ['install', noPrebuild, '--prefer-offline', '--foreground-scripts'], { cwd: app3, env: withTools });
    expect(install.status, describeRun('npm install (no prebuild: source build)', install)).toBe(0);
    const pkg = path.join(app3, 'node_modules', 'tensorforge');
    const r = run(process.execPath, ['-p', `require('node-gyp-build').path(${JSON.stringify(pkg)}) + ' ' + require('tensorforge').backendInfo().blas`], { cwd: app3, env: withTools });
    expect(r.status, describeRun('node -p', r)).toBe(0);
    const [loaded, blas] = r.stdout.trim().split(' ');
    expect(loaded).toBe(path.join(pkg, 'build', 'Release', 'tensorforge.node'));
    console.log(`source build from the tarball: BLAS ${blas}`);
  }, 900_000);

  it('works when npm skips install scripts (--ignore-scripts, or an allowScripts denial in npm 11)', () => {
    const app2 = path.join(tmp, 'app-no-scripts');
    fs.mkdirSync(app2);
    fs.writeFileSync(path.join(app2, 'package.json'), JSON.stringify({ name: 'app2', version: '1.0.0', private: true }));
    const install = run('npm', ['install', tarball, '--prefer-offline', '--ignore-scripts'], { cwd: app2, env });
    expect(install.status, describeRun('npm install --ignore-scripts', install)).toBe(0);
    const r = run(process.execPath, ['-p', `require('tensorforge').backendInfo().blas`], { cwd: app2, env });
    expect(r.status, describeRun('node -p', r)).toBe(0);
    expect(r.stdout.trim()).toBe(EXPECTED_BLAS);
  }, 300_000);
});
