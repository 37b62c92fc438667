/**
 * Memory stays bounded without help: each check runs scripts/memory-check.ts in a child process
 * (plain `node`, no --expose-gc), shortened to keep the suite fast. The full-length runs
 * (10,000 steps, 100,000 tensors) are `node dist/scripts/memory-check.js`.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { repoRoot as root } from '../helpers';

const script = path.join(root, 'dist', 'scripts', 'memory-check.js');
const MB = 2 ** 20;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function run(args: string[]): any {
  const r = spawnSync(process.execPath, [script, ...args, '--json'], { cwd: root, encoding: 'utf8' });
  expect(r.signal, r.stderr).to.equal(null);
  expect(r.status, r.stderr).to.be.oneOf([0, 1]); // 1: a check failed, reported below
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line);
}

describe('memory (child processes, real GC behaviour)', function () {
  this.timeout(60000);
  before(function () {
    if (process.env.NATIVEGRAD_SANITIZE) {
      // ASan keeps freed blocks in quarantine and adds shadow memory: RSS bounds measure ASan, not us
      console.log('      skipped under the sanitizer build: ASan quarantine and shadow memory inflate RSS (these run in the normal suite)');
      this.skip();
    }
  });

  it('training a 2-layer network (128x784-256-10, 800 SGD steps): RSS within 50 MB of its value after 100 steps', () => {
    const r = run(['train', '--steps', '800']);
    expect(r.lastLoss, 'the network trains').to.be.below(r.firstLoss);
    expect(r.growth / MB, `RSS after 100 steps ${(r.rssAfter100 / MB).toFixed(1)} MB, peak ${(r.rssPeak / MB).toFixed(1)} MB`).to.be.at.most(50);
    expect(r.ok).to.equal(true);
  });

  it('5,000 tensors of 1 MiB without dispose() (5 GiB in total) stay under 2 GiB of RSS', () => {
    const r = run(['alloc', '--tensors', '5000']);
    expect(r.rssPeak / MB, 'peak RSS in MB').to.be.below(2048);
    expect(r.ok).to.equal(true);
  });
});
