#!/usr/bin/env node
'use strict';
// prepack (runs on `npm pack` and `npm publish`): a release tarball must hold the prebuilt binary
// the README promises, built from the native sources as they are now. Refuses, naming the command
// to run, when prebuilds/linux-x64/node.napi.glibc.node is missing or older than a file under
// native/ or CMakeLists.txt.
// Not refused:
// - NATIVEGRAD_PACK_FROM_SOURCE=1: a tarball that compiles on install, on purpose (the CI's
//   from-source consumer test);
// - npm preparing this package as a git dependency (`npm install <git url>`), where the install
//   then builds from source, as it does on every platform without a prebuild.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const rel = path.join('prebuilds', 'linux-x64', 'node.napi.glibc.node');

/** The newest modification time under dir (recursively). */
function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return { file: p, mtime: st.mtimeMs };
  let best = { file: p, mtime: 0 };
  for (const f of fs.readdirSync(p)) {
    const n = newest(path.join(p, f));
    if (n.mtime > best.mtime) best = n;
  }
  return best;
}

/** Why the package at `dir` may not be packed now, or null when it may. */
function problem(dir = root) {
  const bin = path.join(dir, rel);
  if (!fs.existsSync(bin)) return `${rel} is missing`;
  const built = fs.statSync(bin).mtimeMs;
  const src = [newest(path.join(dir, 'native')), newest(path.join(dir, 'CMakeLists.txt'))].sort((a, b) => b.mtime - a.mtime)[0];
  if (src.mtime > built) return `${rel} is older than ${path.relative(dir, src.file)}`;
  return null;
}

function main() {
  if (process.env.NATIVEGRAD_PACK_FROM_SOURCE === '1') {
    console.error('nativegrad prepack: NATIVEGRAD_PACK_FROM_SOURCE=1: packing without checking the prebuilt binary (installs will compile).');
    return 0;
  }
  if (['install', 'ci'].includes(process.env.npm_command || '')) return 0; // a git dependency being prepared
  const why = problem();
  if (why === null) return 0;
  console.error(
    `nativegrad prepack: refusing to pack: ${why}.\n` +
      '  A release must ship the prebuilt binary. Build it and pack with:  npm run release\n' +
      '  (or: npm run prebuildify && npm run test:prebuild && npm pack).\n' +
      '  To pack a tarball that compiles on install instead: NATIVEGRAD_PACK_FROM_SOURCE=1 npm pack',
  );
  return 1;
}

if (require.main === module) process.exitCode = main();
module.exports = { problem };
