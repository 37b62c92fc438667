import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../helpers';

/** require('nativegrad') in a child with the given environment; returns its error message, or '' if it loaded. */
function loadWith(env: Record<string, string>): string {
  const script = `try { require(${JSON.stringify(path.join(repoRoot, 'dist', 'lib'))}); console.log('LOADED') } catch (e) { console.log(e.message) }`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  return r.stdout.trim() === 'LOADED' ? '' : r.stdout;
}

describe('native loader', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-loader-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('turns a missing shared library into "possible solutions" (install OpenBLAS, use the prebuild)', function () {
    // a .node that needs a library which has since been removed, as when libopenblas is uninstalled
    const lib = path.join(dir, 'libopenblas_removed_for_test.so.0');
    const src = path.join(dir, 'stub.c');
    fs.writeFileSync(src, 'int ng_stub(void) { return 1; }\n');
    try {
      execFileSync('cc', ['-shared', '-fPIC', '-o', lib, `-Wl,-soname,libopenblas_removed_for_test.so.0`, src]);
      execFileSync('cc', ['-shared', '-fPIC', '-o', path.join(dir, 'broken.node'), src, '-Wl,--no-as-needed', lib]);
    } catch {
      this.skip(); // no C compiler
    }
    fs.rmSync(lib);
    const msg = loadWith({ NATIVEGRAD_BINARY: path.join(dir, 'broken.node') });
    expect(msg).to.match(/could not load its native addon/);
    expect(msg).to.match(/Tried:\n.*broken\.node: .*libopenblas_removed_for_test\.so\.0: cannot open shared object file/);
    expect(msg).to.match(/Possible solutions:/);
    expect(msg).to.match(/apt-get install libopenblas0/);
    expect(msg).to.match(/prebuilt binary/);
  });

  it('says what to do when there is no binary at all', () => {
    const msg = loadWith({ NATIVEGRAD_BINARY: path.join(dir, 'missing.node') });
    expect(msg).to.match(/missing\.node: ENOENT/);
    expect(msg).to.match(/npm rebuild nativegrad/);
  });

  it('explains a file that is not a Node addon', () => {
    fs.writeFileSync(path.join(dir, 'garbage.node'), 'not an ELF file');
    const msg = loadWith({ NATIVEGRAD_BINARY: path.join(dir, 'garbage.node') });
    expect(msg).to.match(/garbage\.node: .*(invalid ELF header|too short)/);
    expect(msg).to.match(/Possible solutions:/);
  });
});
