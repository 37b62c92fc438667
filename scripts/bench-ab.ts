/**
 * `npm run bench:ab -- --base <git revision> [--rounds 21] [--steps 32] [--batch 128] [--threads 1]`:
 * the training step of this checkout against the same step of another revision, paired.
 *
 * The base revision is checked out into a temporary git worktree and built there (addon and
 * TypeScript). Two child processes then hold the same seeded 784-256-128-10 ReLU MLP on the same
 * random batches, one on each build, and run alternately: round r times `steps` steps in each, the
 * order swapping every round, so that the shared machine's drift moves both sides alike. Each round
 * gives one ratio, base time / this time (above 1: this checkout is faster); the figure is their
 * median. Two cases: the hand-written loop (zeroGrad, forward, loss, backward, Adam step) and the
 * step Trainer.fit runs (compileStep + Adam).
 *
 * Validation before timing: both builds must give the same losses over the first steps (bit for
 * bit is reported; a relative difference above 1e-5 stops the run), so both do the same work.
 */
import { ChildProcess, execFileSync, fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface Reply {
  kind: 'ready' | 'losses' | 'time';
  losses?: number[];
  seconds?: number;
  error?: string;
}

const CASES = ['loop', 'trainerStep'] as const;
type Case = (typeof CASES)[number];

function childMain(): void {
  const [libDir, batchArg, threadsArg] = process.argv.slice(3);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ng = require(path.join(libDir, 'dist', 'lib', 'index.js')) as typeof import('../lib');
  ng.setNumThreads(Number(threadsArg));
  const B = Number(batchArg);
  const sizes = [784, 256, 128, 10];
  const makeBatches = (): { x: InstanceType<typeof ng.Tensor>; y: Int32Array }[] => {
    ng.manualSeed(99);
    return Array.from({ length: 8 }, () => ({ x: ng.randn([B, sizes[0]]), y: Int32Array.from({ length: B }, (_, i) => (i * 7 + 3) % 10) }));
  };
  const batches = makeBatches();
  const steps: Record<Case, () => number> = {} as Record<Case, () => number>;
  for (const c of CASES) {
    ng.manualSeed(7);
    const model = new ng.nn.Sequential(new ng.nn.Linear(784, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 10));
    // the Trainer's step flattens the parameters into one arena where the revision can
    // (Module.flattenParameters), as Trainer does
    const flatten = (model as { flattenParameters?: () => unknown }).flattenParameters;
    if (c === 'trainerStep' && typeof flatten === 'function') flatten.call(model);
    const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
    const lossFn = new ng.nn.CrossEntropyLoss();
    const compiled = c === 'trainerStep' ? ng.train.compileStep(model, lossFn) : null;
    let i = 0;
    steps[c] = (): number => {
      const b = batches[i];
      i = (i + 1) % batches.length;
      opt.zeroGrad();
      let v: number;
      if (compiled) v = compiled.run(b.x, b.y);
      else {
        const loss = lossFn.forward(model.forward(b.x), b.y);
        loss.backward();
        v = loss.item();
      }
      opt.step();
      return v;
    };
  }
  process.on('message', (m: { cmd: 'losses' | 'time'; case: Case; steps: number }) => {
    try {
      const step = steps[m.case];
      if (m.cmd === 'losses') {
        process.send!({ kind: 'losses', losses: Array.from({ length: m.steps }, () => step()) } satisfies Reply);
      } else {
        const t0 = process.hrtime.bigint();
        for (let s = 0; s < m.steps; s++) step();
        process.send!({ kind: 'time', seconds: Number(process.hrtime.bigint() - t0) / 1e9 } satisfies Reply);
      }
    } catch (e) {
      process.send!({ kind: 'time', error: String((e as Error).stack ?? e) } satisfies Reply);
    }
  });
  process.send!({ kind: 'ready' } satisfies Reply);
}

function ask(child: ChildProcess, msg: object): Promise<Reply> {
  return new Promise((resolve, reject) => {
    child.once('message', (r: Reply) => (r.error ? reject(new Error(r.error)) : resolve(r)));
    child.send(msg);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A built checkout of `rev` in a temporary worktree (node_modules shared with this one). */
function buildBase(root: string, rev: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativegrad-ab-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, rev], { cwd: root, stdio: 'ignore' });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const env = { ...process.env, NATIVEGRAD_BUILD_FROM_SOURCE: '1' };
  execFileSync(process.execPath, ['scripts/install.js'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, dflt: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
  };
  const base = arg('--base', '');
  if (!base) throw new Error('bench:ab: give the revision to compare against, e.g. npm run bench:ab -- --base HEAD~3');
  const rounds = Number(arg('--rounds', '21'));
  const steps = Number(arg('--steps', '32'));
  const batch = arg('--batch', '128');
  const threads = arg('--threads', '1');
  const root = path.resolve(__dirname, '..', '..');
  const rev = execFileSync('git', ['rev-parse', '--short', base], { cwd: root, encoding: 'utf8' }).trim();
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
  process.stderr.write(`bench:ab: building ${rev} …\n`);
  const baseDir = buildBase(root, rev);
  const spawnOn = (dir: string): ChildProcess => fork(__filename, ['--child', dir, batch, threads], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sides = { base: spawnOn(baseDir), ours: spawnOn(root) };
  try {
    await Promise.all(Object.values(sides).map((c) => new Promise((r) => c.once('message', r))));
    const lines = [
      `# bench:ab — ${head}${dirty ? ' (with uncommitted changes)' : ''} against ${rev}`,
      '',
      `784-256-128-10 ReLU MLP, Adam, batch ${batch}, ${threads} OpenBLAS thread(s); ${rounds} rounds of ${steps} steps, order alternating; ` +
        `${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0].toFixed(2)} at the start.`,
      '',
      '| case | validation (first 5 losses) | base µs/step (median) | this µs/step (median) | paired ratio base/this (median) | min–max |',
      '| --- | --- | --- | --- | --- | --- |',
    ];
    for (const c of CASES) {
      const [a, b] = await Promise.all([ask(sides.base, { cmd: 'losses', case: c, steps: 5 }), ask(sides.ours, { cmd: 'losses', case: c, steps: 5 })]);
      const la = a.losses!;
      const lb = b.losses!;
      const worst = Math.max(...la.map((v, i) => Math.abs(v - lb[i]) / Math.max(Math.abs(v), 1e-30)));
      if (!(worst <= 1e-5)) throw new Error(`bench:ab: ${c}: the builds disagree (losses ${la.join(', ')} vs ${lb.join(', ')}): they do not do the same work`);
      const same = la.every((v, i) => v === lb[i]) ? 'bit for bit' : `within ${worst.toExponential(1)}`;
      // warm-up
      await ask(sides.base, { cmd: 'time', case: c, steps });
      await ask(sides.ours, { cmd: 'time', case: c, steps });
      const tb: number[] = [];
      const to: number[] = [];
      const ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? (['base', 'ours'] as const) : (['ours', 'base'] as const);
        const t: Record<string, number> = {};
        for (const side of order) t[side] = (await ask(sides[side], { cmd: 'time', case: c, steps })).seconds! / steps;
        tb.push(t.base);
        to.push(t.ours);
        ratios.push(t.base / t.ours);
      }
      const us = (s: number): string => (s * 1e6).toFixed(1);
      lines.push(
        `| ${c === 'loop' ? 'hand-written loop' : "Trainer's step (compileStep)"} | ${same} | ${us(median(tb))} | ${us(median(to))} | ${median(ratios).toFixed(3)} | ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)} |`,
      );
      process.stderr.write(`bench:ab: ${c} done\n`);
    }
    console.log(lines.join('\n'));
  } finally {
    for (const c of Object.values(sides)) c.kill();
    execFileSync('git', ['worktree', 'remove', '--force', baseDir], { cwd: root, stdio: 'ignore' });
  }
}

if (process.argv[2] === '--child') childMain();
else
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
