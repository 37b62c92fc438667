/**
 * Crash safety of Trainer checkpoints, end to end: a child (fit_child.ts) runs Trainer.fit with a
 * checkpoint after every epoch and is SIGKILLed at a random moment — half of the runs at a random
 * delay, half shortly after a checkpoint's temporary file appears, so some kills surely land in
 * the middle of a write. After every kill the checkpoint path must hold a complete checkpoint of
 * an epoch the child finished (the last one or the one before), whose weights are exactly those
 * the child reported for that epoch, and which Trainer.loadCheckpoint restores; the last run
 * resumes training from it. The raw ng.save case (50 kills) is in test/io/safetensors.test.ts.
 * NG_FIT_CRASH_KILLS sets the number of kills (default 12).
 */
import { expect } from 'chai';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { build, checksum } from './fit_child';

describe('reliability: SIGKILL during Trainer checkpoint writes', function () {
  this.timeout(60000);
  let dir: string;
  let rngState: Uint32Array;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-fit-crash-'));
    rngState = ng.getRngState();
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    ng.setRngState(rngState);
  });

  it("every kill leaves the last or the previous epoch's complete checkpoint, which resumes", async () => {
    const kills = Number(process.env.NG_FIT_CRASH_KILLS ?? 12);
    const target = path.join(dir, 'fit.ckpt');
    const child = path.join(__dirname, 'fit_child.js');
    const rnd = lcg(77);
    let midWrite = 0;
    for (let run = 0; run < kills; run++) {
      const proc = spawn(process.execPath, [child, target], { stdio: ['ignore', 'pipe', 'inherit'] });
      const reported = new Map<number, number>();
      let last = 0;
      let buffered = '';
      let armed = false;
      // 'close' comes after the child's stdout is drained: every epoch it reported is counted
      const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
      const tmpExists = (): boolean => fs.readdirSync(dir).some((f) => f.startsWith('.fit.ckpt.') && f.endsWith('.tmp'));
      await new Promise<void>((resolve, reject) => {
        proc.on('error', reject);
        proc.on('exit', () => resolve());
        proc.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const l of lines) {
            const [, e, sum] = l.split(' ');
            reported.set(Number(e), Number(sum));
            last = Number(e);
          }
          // once a checkpoint exists (epoch 2 started writing after epoch 1's was complete), kill
          if (last >= 2 && !armed) {
            armed = true;
            const kill = (): void => {
              if (tmpExists()) midWrite++;
              proc.kill('SIGKILL');
              resolve();
            };
            if (run % 2 === 0) setTimeout(kill, rnd() * 60);
            else {
              const started = Date.now();
              const poll = (): void => {
                if (tmpExists() || Date.now() - started > 5000) setTimeout(kill, rnd() * 3);
                else setImmediate(poll);
              };
              poll();
            }
          }
        });
      });
      await exited;
      // the file is a complete checkpoint of an epoch the child finished
      const { trainer, loader, first } = build();
      const epoch = trainer.loadCheckpoint(target, loader);
      expect(epoch, `run ${run}: checkpoint epoch vs last reported ${last}`).to.be.at.least(Math.max(1, last - 1));
      expect(epoch).to.be.at.most(last);
      expect(checksum(first.weight), `run ${run}: weights of epoch ${epoch}`).to.equal(reported.get(epoch));
      expect(trainer.history.epochs.length).to.equal(epoch);
      if (run === kills - 1) {
        // resuming continues from the next epoch
        const h = await trainer.fit(loader, { epochs: epoch + 1, progress: false, resumeFrom: target });
        expect(h.epochs.map((e) => e.epoch).slice(-1)).to.deep.equal([epoch + 1]);
      }
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
    }
    if (process.env.NG_CRASH_VERBOSE) console.log(`      ${kills} kills survived, ${midWrite} while a temporary checkpoint file existed`);
    expect(midWrite, `kills that landed while a checkpoint was being written (of ${kills})`).to.be.at.least(1);
  });
});
