/**
 * Core suite: ng.matmul against raw cblas_sgemm timed in a C++ loop (native/bindings/bench.cc), with
 * the same OpenBLAS thread count, and the per-call cost of a tiny element-wise op with the tape off and on.
 *
 * ng.matmul is timed as users see it: argument checks, allocation of the output, the N-API call and
 * sgemm. Each product is validated first (sampled entries against double-precision dot products, and
 * the C++ harness's output against ng.matmul's). Rounds alternate between the two sides so that
 * load from other processes hits both alike; medians over all samples.
 */
import * as ng from '../../lib';
import { native } from '../../lib/native';
import { BenchContext, sampleTimes, summarize, timeIt } from './harness';

const k = native;

/** Throws unless `c` = a·b at sampled entries (double-precision reference, 1e-5 of the scale). */
function validateProduct(c: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, what: string): void {
  const picks = Math.min(M * N, 256);
  let scale = 0;
  let err = 0;
  for (let s = 0; s < picks; s++) {
    const idx = picks === M * N ? s : Math.floor(((s * 2654435761) % 4294967296) / 4294967296 * M * N);
    const m = Math.floor(idx / N);
    const n = idx % N;
    let ref = 0;
    let mag = 0;
    for (let q = 0; q < K; q++) {
      ref += a[m * K + q] * b[q * N + n];
      mag += Math.abs(a[m * K + q] * b[q * N + n]);
    }
    scale = Math.max(scale, mag);
    err = Math.max(err, Math.abs(c[idx] - ref));
  }
  if (!(err <= 1e-5 * scale)) throw new Error(`suite-core: ${what} is wrong: max error ${err} at scale ${scale}`);
}

/** Per-call seconds of `reps` samples, each a batch lasting at least minMs (harness.sampleTimes). */
function sample(fn: () => void, reps: number, minMs: number, warmup: number): number[] {
  return sampleTimes(fn, { reps, minSampleMs: minMs, warmup });
}

function median(v: number[]): number {
  return summarize(v).median;
}

function matmulRows(ctx: BenchContext, threads: number): void {
  const shapes: [string, number, number, number, number | null][] = [
    // label, M, K, N, target ratio
    ['64³', 64, 64, 64, 1.2],
    ['128³', 128, 128, 128, null],
    ['256³', 256, 256, 256, 1.05],
    ['512³', 512, 512, 512, 1.05],
    ['1024³', 1024, 1024, 1024, 1.05],
    ['MLP 128x784x256', 128, 784, 256, null],
    ['MLP 128x256x128', 128, 256, 128, null],
    ['MLP 128x128x10', 128, 128, 10, null],
  ];
  const list = ctx.quick ? shapes.filter(([l]) => l === '64³' || l === '256³' || l.startsWith('MLP 128x784')) : shapes;
  const rounds = ctx.quick ? 3 : 7;
  const perRound = 3;
  const minMs = ctx.quick ? 15 : 25;
  const prevThreads = ng.getNumThreads();
  ng.setNumThreads(threads);
  ng.manualSeed(1);
  const rows: (string | number)[][] = [];
  const misses: string[] = [];
  for (const [label, M, K, N, target] of list) {
    const a = ng.randn([M, K]);
    const b = ng.randn([K, N]);
    const y = ng.matmul(a, b);
    validateProduct(y.data, a.data, b.data, M, K, N, `ng.matmul ${label}`);
    const raw = new Float32Array(M * N);
    k.benchSgemm(raw, a.data, b.data, M, K, N, 1, 0.001);
    validateProduct(raw, a.data, b.data, M, K, N, `raw sgemm ${label}`);
    for (let i = 0; i < raw.length; i++)
      if (Math.abs(raw[i] - y.data[i]) > 1e-5 * (Math.abs(raw[i]) + 1)) throw new Error(`suite-core: ng.matmul and raw sgemm differ at ${label}[${i}]`);

    // paired rounds: each round times both sides back to back, so a change of load between
    // rounds cancels in that round's ratio; the ratio reported is the median of the rounds' ratios
    const ngAll: number[] = [];
    const dispAll: number[] = [];
    const rawAll: number[] = [];
    const ratios: number[] = [];
    const dispRatios: number[] = [];
    const outAll: number[] = [];
    const outRatios: number[] = [];
    const o = ng.zeros([M, N]);
    for (let r = 0; r < rounds; r++) {
      const tn = sample(() => ng.matmul(a, b), perRound, minMs, r === 0 ? 3 : 1);
      const td = sample(() => ng.matmul(a, b).dispose(), perRound, minMs, 1);
      const to = sample(() => ng.matmulInto(o, a, b), perRound, minMs, 1);
      const tr = Array.from(k.benchSgemm(raw, a.data, b.data, M, K, N, perRound, minMs / 1000));
      ngAll.push(...tn);
      dispAll.push(...td);
      rawAll.push(...tr);
      ratios.push(median(tn) / median(tr));
      dispRatios.push(median(td) / median(tr));
      outAll.push(...to);
      outRatios.push(median(to) / median(tr));
    }
    const outRatio = median(outRatios);
    const tNg = median(ngAll);
    const tRaw = median(rawAll);
    const ratio = median(ratios);
    const flops = 2 * M * K * N;
    const verdict = target === null ? '—' : ratio <= target ? `≤ ${target} ✓` : `≤ ${target} ✗`;
    if (target !== null && ratio > target) misses.push(`${label}: ${ratio.toFixed(3)} > ${target}`);
    rows.push([
      label,
      `${M}x${K}x${N}`,
      tNg * 1e6,
      flops / tNg / 1e9,
      tRaw * 1e6,
      flops / tRaw / 1e9,
      ratio.toFixed(3),
      `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
      verdict,
      median(dispAll) * 1e6,
      median(dispRatios).toFixed(3),
      median(outAll) * 1e6,
      target === null ? outRatio.toFixed(3) : `${outRatio.toFixed(3)} ${outRatio <= target ? '✓' : '✗'}`,
    ]);
  }
  ng.setNumThreads(prevThreads);
  ctx.table({
    title: `matmul: ng.matmul vs raw cblas_sgemm (C++ loop), ${threads} OpenBLAS thread(s)`,
    columns: ['shape', 'M x K x N', 'ng µs', 'ng GFLOPS', 'sgemm µs', 'sgemm GFLOPS', 'ratio ng/sgemm', 'ratio range', 'target', 'ng + dispose() µs', 'ratio with dispose', 'ng.matmulInto µs', 'ratio matmulInto'],
    rows,
    notes: [
      'ng.matmul as users call it: argument checks, a fresh output tensor (allocated without zero-fill), the N-API call and sgemm; the C++ loop reuses one output buffer.',
      '"ng + dispose()" frees each result at once instead of leaving it to the garbage collector: the difference to "ng" is the cost of leaving garbage (each result in fresh, cache-cold memory, plus the work of the garbage collector, which shares the cores with OpenBLAS).',
      '"matmulInto" is `ng.matmulInto(out, a, b)`, writing into an existing tensor (PyTorch\'s out=): the wrapper cost alone, no allocation — what a training loop that reuses its buffers pays.',
      `${rounds} paired rounds of ${perRound} samples per side; times are medians of all samples, the ratio is the median of the per-round ratios (range: lowest–highest round).`,
      ng.blasConfig(),
      ...(misses.length ? [`missed targets: ${misses.join('; ')}`] : []),
    ],
  });
}

function tinyOpRows(ctx: BenchContext): void {
  const minMs = ctx.quick ? 20 : 50;
  const reps = ctx.quick ? 5 : 9;
  const a = ng.tensor([1.5]);
  const b = ng.tensor([2.5]);
  const ag = ng.tensor([1.5], undefined, { requiresGrad: true });
  // validate each form before timing
  if (ng.add(a, b).item() !== 4 || ng.add(ag, b).item() !== 4 || !ng.add(ag, b).requiresGrad || ng.noGrad(() => ng.add(ag, b)).requiresGrad)
    throw new Error('suite-core: tiny add is wrong');
  const outBuf = new Float32Array(1);
  const ADD = native.binaryOps.indexOf('add');
  k.binaryForward(ADD, outBuf, a.data, b.data);
  if (outBuf[0] !== 4) throw new Error('suite-core: raw binaryForward is wrong');

  let sink: unknown;
  const cases: [string, () => void][] = [
    ['raw native binaryForward, preallocated buffers (floor)', () => k.binaryForward(ADD, outBuf, a.data, b.data)],
    ['ng.add, tape off (inputs without requiresGrad)', () => (sink = ng.add(a, b))],
    ['ng.add inside ng.noGrad (input requiresGrad)', () => (sink = ng.noGrad(() => ng.add(ag, b)))],
    ['ng.add, tape on (records a node)', () => (sink = ng.add(ag, b))],
    ['ng.add(tensor, JS number), tape off', () => (sink = ng.add(a, 2))],
  ];
  const times = cases.map(([, f]) => timeIt(f, { reps, minSampleMs: minMs }));
  void sink;
  const floor = times[0].median;
  const offUs = times[1].median * 1e6;
  ctx.table({
    title: 'tiny op: add on 1-element tensors, per call',
    columns: ['case', 'µs / call', 'spread', 'ratio to raw call'],
    rows: cases.map(([name], i) => [name, times[i].median * 1e6, `${(times[i].spread * 100).toFixed(0)}%`, (times[i].median / floor).toFixed(2)]),
    notes: [`target: tape off < 1.5 µs per call — ${offUs < 1.5 ? 'met' : 'missed'} (${offUs.toFixed(3)} µs)`],
  });
}

export function run(ctx: BenchContext): void {
  matmulRows(ctx, ctx.threads);
  if (!ctx.quick && ctx.threads !== 1) matmulRows(ctx, 1);
  tinyOpRows(ctx);
}
