#!/usr/bin/env node
'use strict';
// prebuildify 6 names an N-API build after the package (nativegrad.glibc.node) and drops the
// N-API tag; rename it to the tagged form node-gyp-build and our loader understand:
// prebuilds/<platform>-<arch>/node.napi.<libc>.node
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`);
for (const f of fs.readdirSync(dir)) {
  const m = /^nativegrad\.(.*)node$/.exec(f);
  if (!m) continue;
  const tagged = `node.napi.${m[1]}node`;
  fs.renameSync(path.join(dir, f), path.join(dir, tagged));
  const size = fs.statSync(path.join(dir, tagged)).size;
  console.log(`prebuild: prebuilds/${process.platform}-${process.arch}/${tagged} (${(size / 2 ** 20).toFixed(1)} MiB, stripped)`);
}
