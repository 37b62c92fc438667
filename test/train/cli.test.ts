import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ng from '../../lib';
import { repoRoot } from '../helpers';

const cli = path.join(repoRoot, 'dist', 'lib', 'cli.js');

describe('nativegrad CLI', () => {
  it('trains on the bundled digits, prints the test accuracy and leaves a loadable model, checkpoint and chart', function () {
    this.timeout(60000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-cli-'));
    try {
      const r = spawnSync(process.execPath, [cli, 'train', '--epochs', '8', '--out', out, '--threads', '1'], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      const m = /test accuracy: ([\d.]+)%/.exec(r.stdout);
      expect(m, r.stdout).to.not.equal(null);
      expect(Number(m![1])).to.be.greaterThan(93);
      // without a TTY: one plain line per epoch on stderr, validated on a held-out part of the
      // training data (not on the test split, which is evaluated once at the end)
      expect(r.stderr.match(/^epoch \d+\/8 .*val_loss/gm)).to.have.length(8);
      expect(r.stdout).to.match(/1294 training, 144 validation, 359 test samples/);
      expect(r.stdout).to.match(/; 8 epochs;/);
      const model = ng.load(path.join(out, 'model.safetensors'));
      expect(model['0.weight'].shape).to.deep.equal([128, 64]);
      expect(model['1.running_var'].shape).to.deep.equal([128]);
      expect(ng.loadMetadata(path.join(out, 'checkpoint.safetensors')).format).to.equal('nativegrad-trainer-checkpoint');
      const svg = fs.readFileSync(path.join(out, 'history.svg'), 'utf8');
      expect(svg.startsWith('<svg')).to.equal(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses negative or out-of-range numbers with its own message (--lr -1, --lr=-1, --val-split 1)', () => {
    for (const [args, re] of [
      [['--lr', '-1'], /--lr must be a number > 0, got '-1'/],
      [['--lr=-1'], /--lr must be a number > 0, got '-1'/],
      [['--gamma', '-.5'], /--gamma must be a number > 0, got '-.5'/],
      [['--val-split', '1'], /--val-split must be a number >= 0 and < 1, got '1'/],
      [['--epochs', '-3'], /--epochs must be an integer >= 1, got '-3'/],
    ] as [string[], RegExp][]) {
      const r = spawnSync(process.execPath, [cli, 'train', ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(re);
      expect(r.stderr).to.not.match(/ambiguous/);
    }
  });

  it('says "1 epoch" and trains without validation with --val-split 0', function () {
    this.timeout(60000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-cli-'));
    try {
      const r = spawnSync(process.execPath, [cli, 'train', '--epochs', '1', '--val-split', '0', '--out', out, '--threads', '1'], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout)
        .to.match(/; 1 epoch;/)
        .and.match(/1438 training, 359 test samples/);
      expect(r.stderr).to.not.match(/val_loss/);
      expect(r.stdout).to.match(/test accuracy: /);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('explains bad options and unknown commands', () => {
    const bad = spawnSync(process.execPath, [cli, 'train', '--epochs', 'many'], { encoding: 'utf8' });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/--epochs must be an integer/);
    const unknown = spawnSync(process.execPath, [cli, 'fly'], { encoding: 'utf8' });
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.match(/unknown command 'fly'/);
    const help = spawnSync(process.execPath, [cli, 'help'], { encoding: 'utf8' });
    expect(help.stdout).to.match(/--batch-size/);
  });
});
