#!/usr/bin/env node
'use strict';
// Stand-in for node-gyp when prebuildify runs (`prebuildify --node-gyp scripts/prebuildify-cmake.js`).
// prebuildify calls `<node-gyp> rebuild --target=… --devdir=… --arch=… --release` and then takes
// the first build/Release/*.node. We build with cmake-js instead, OpenBLAS linked statically, in a
// separate folder (so the static option never sticks to the normal build's CMake cache), then
// copy the binary to build/Release/ where prebuildify looks for it.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const arch = (args.find((a) => a.startsWith('--arch=')) || '').slice(7) || process.arch;
const out = path.join(root, 'build-static');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'rebuild', '--out', out, '--arch', arch, '--CDNG_STATIC_OPENBLAS=ON'], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status || 1);
const built = path.join(out, 'Release', 'nativegrad.node');
const dest = path.join(root, 'build', 'Release');
fs.mkdirSync(dest, { recursive: true });
for (const f of fs.readdirSync(dest)) if (f.endsWith('.node')) fs.rmSync(path.join(dest, f));
fs.copyFileSync(built, path.join(dest, 'nativegrad.node'));
