/** Shared test utilities: fixtures, closeness checks, seeded data. */
import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'chai';

/** The repository root (tests run from dist/test/…). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** A fixture tensor as stored in the PyTorch JSON files. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** Loads test/fixtures/<name> (PyTorch 1.13 reference outputs). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', name), 'utf8'));
}

/** Asserts every element of `actual` is within rtol·max(|expected|)+atol of `expected`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: { rtol?: number; atol?: number; what?: string } = {}): void {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 0;
  expect(actual.length, `${opts.what ?? 'value'}: length`).to.equal(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const tol = atol + rtol * Math.max(Math.abs(expected[i]), scale * 1e-3);
    if (!(Math.abs(actual[i] - expected[i]) <= tol))
      expect.fail(`${opts.what ?? 'value'}[${i}]: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol.toExponential(2)})`);
  }
}

/** A small deterministic generator for test data that does not touch the library's RNG. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Random numbers in [lo, hi) from a test-local generator. */
export function randomArray(n: number, rnd: () => number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 next to finite x in direction dir (+1 up, −1 down). */
function nextFloat32(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * 2 ** -149;
  f32[0] = x;
  u32[0] += x > 0 === dir > 0 ? 1 : -1;
  return f32[0];
}

/**
 * a·b + c rounded once to float32 (a fused multiply-add), for float32 a, b, c. a·b is exact in a
 * double; s = RN(a·b + c) in double, with its error e from TwoSum. RN32(s) is RN32(s + e) unless s
 * is exactly halfway between two floats, where e decides. (Overflowing sums are not handled.)
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bv = s - p;
  const e = p - (s - bv) + (c - bv);
  const r = Math.fround(s);
  if (e === 0 || r === s || !Number.isFinite(r)) return r;
  const other = nextFloat32(r, s > r ? 1 : -1);
  if ((r + other) / 2 !== s) return r;
  return e > 0 ? Math.max(r, other) : Math.min(r, other);
}
