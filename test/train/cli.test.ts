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
      // without a TTY: one plain line per epoch on stderr
      expect(r.stderr.match(/^epoch \d+\/8 /gm)).to.have.length(8);
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
