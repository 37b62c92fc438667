#!/usr/bin/env node
'use strict';
// Install step (package.json "install"): use a prebuilt binary when one matches this platform and
// loads, otherwise build from source with cmake-js. NATIVEGRAD_BUILD_FROM_SOURCE=1 forces the build.
// A missing OpenBLAS gets one short message with the command to install it, not a CMake backtrace.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

function prebuildLoads() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (!fs.existsSync(dir)) return false;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.node'))) {
    try {
      require(path.join(dir, f));
      console.log(`nativegrad: using the prebuilt binary prebuilds/${process.platform}-${process.arch}/${f}`);
      return true;
    } catch (e) {
      console.log(`nativegrad: prebuilt binary ${f} does not load here (${e.message.split('\n')[0]}); building from source`);
    }
  }
  return false;
}

function buildFromSource() {
  let cmakeJs;
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  } catch {
    console.error('nativegrad: cmake-js is not installed; run `npm install` again.');
    process.exit(1);
  }
  const args = [cmakeJs, 'compile', '--out', 'build'];
  if (process.env.NATIVEGRAD_DEBUG) args.push('--debug');
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const output = (r.stdout || '') + (r.stderr || '');
  if (r.error && r.error.code === 'ENOENT') {
    console.error('nativegrad: could not run cmake. Install CMake >= 3.15 (Debian/Ubuntu: apt-get install cmake).');
    process.exit(1);
  }
  if (r.status === 0) {
    if (process.env.NATIVEGRAD_VERBOSE) process.stdout.write(output);
    console.log('nativegrad: native addon built from source (build/Release/nativegrad.node)');
    return;
  }
  if (output.includes('NATIVEGRAD_OPENBLAS_MISSING')) {
    console.error(
      [
        '',
        'nativegrad: OpenBLAS was not found, and it is needed to build from source.',
        '  Debian/Ubuntu:  sudo apt-get install libopenblas-dev',
        '  Fedora/RHEL:    sudo dnf install openblas-devel',
        '  macOS:          brew install openblas && export PKG_CONFIG_PATH="$(brew --prefix openblas)/lib/pkgconfig"',
        '  Alpine:         apk add openblas-dev',
        'Then run `npm install` again.',
        '',
      ].join('\n'),
    );
  } else if (/cmake: (command )?not found|Could not find CMAKE|cmake was not found/i.test(output)) {
    console.error('nativegrad: CMake was not found. Install CMake >= 3.15 (Debian/Ubuntu: apt-get install cmake build-essential).');
  } else {
    process.stderr.write(output);
    console.error('\nnativegrad: the native build failed (output above). A C++17 compiler, CMake >= 3.15 and OpenBLAS are needed.');
  }
  process.exit(1);
}

if (process.env.NATIVEGRAD_BUILD_FROM_SOURCE || !prebuildLoads()) buildFromSource();
