/**
 * Shared pieces of the native-boundary fuzz suites (not a test file itself): the outcome of a
 * call (a value or an Error, anything else fails), closeness with NaN/±Inf handled, seeded values,
 * and typed arrays fenced by guard elements so that an out-of-bounds write shows up even without
 * a sanitizer.
 */
import { expect } from 'chai';
import { lcg } from '../helpers';
import { strides } from '../ops/ref';

/** A call's value or Error, and how far the process's RSS grew during it (bytes). */
export type Outcome<T> = { ok: true; value: T; rssGrowth: number } | { ok: false; error: Error; rssGrowth: number };

/** Runs `call`; a thrown non-Error fails the test. */
export function outcome<T>(call: () => T): Outcome<T> {
  const rss0 = process.memoryUsage.rss();
  try {
    const value = call();
    return { ok: true, value, rssGrowth: process.memoryUsage.rss() - rss0 };
  } catch (e) {
    if (!(e instanceof Error)) expect.fail(`threw a non-Error: ${String(e)}`);
    return { ok: false, error: e, rssGrowth: process.memoryUsage.rss() - rss0 };
  }
}

/**
 * The fuzz cases' bound on work: a call on small buffers, however large the sizes it is given,
 * must not allocate (a native kernel that trusted a huge size would touch or reserve far more).
 * Memory, not time: the suite must pass on a loaded machine.
 */
export const MAX_RSS_GROWTH = 256 * 2 ** 20;

/** The value of a call that must succeed (its Error is reported with `what`). */
export function succeeds<T>(what: string, o: Outcome<T>): T {
  if (!o.ok) expect.fail(`${what}: threw ${o.error.message}`);
  return o.value;
}

/** Asserts that a call threw an Error whose message contains every fragment. */
export function fails(what: string, o: Outcome<unknown>, ...fragments: string[]): void {
  if (o.ok) expect.fail(`${what}: returned instead of throwing`);
  for (const f of fragments) expect(o.error.message, what).to.include(f);
}

/** |got − want| ≤ atol + rtol·|want|, with NaN matching NaN and infinities matching exactly. */
export function near(got: number, want: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

/** Every element near its reference; `atol` may be per element (a bound from the terms' magnitudes). */
export function expectNear(what: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number | ArrayLike<number> = 0): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = typeof atol === 'number' ? atol : atol[i];
    if (!near(got[i], want[i], rtol, a)) expect.fail(`${what}[${i}]: got ${got[i]}, expected ${want[i]} (rtol ${rtol}, atol ${a})`);
  }
}

/** Seeded values in [lo, hi). */
export function values(seed: number, n: number, lo = -2, hi = 2): Float32Array {
  const rnd = lcg(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Row-major element strides (the ops tests' reference helper). */
export const stridesOf = strides;

// ---- fenced typed arrays ----

/** Guard elements on each side of every fenced array. */
const GUARD = 16;
const F_SENTINEL = 12345.5;
const I_SENTINEL = 0x5a5a5a5a;

type Fenced = Float32Array | Float64Array | Int32Array | Uint8Array;
const fences = new Map<Fenced, { whole: Fenced; sentinel: number; what: string }>();

let fencing = true;
/**
 * Fenced arrays (the default) catch out-of-bounds writes by themselves; unfenced ones are plain
 * allocations of exactly `n` elements, whose neighbours are the allocator's red zones under
 * AddressSanitizer (which then also catches out-of-bounds reads).
 */
export function setFencing(on: boolean): void {
  fencing = on;
}

/** A typed array of `n` elements in the middle of a larger buffer whose guard elements hold a sentinel. */
export function fenced<T extends Fenced>(ctor: { new (n: number): T }, n: number, what: string, fill?: (i: number) => number): T {
  if (!fencing) {
    const plain = new ctor(n);
    if (fill) for (let i = 0; i < n; i++) plain[i] = fill(i);
    return plain;
  }
  const whole = new ctor(n + 2 * GUARD);
  const sentinel = whole instanceof Int32Array ? I_SENTINEL : whole instanceof Uint8Array ? 0xa5 : F_SENTINEL;
  whole.fill(sentinel);
  const view = whole.subarray(GUARD, GUARD + n) as T;
  if (fill) for (let i = 0; i < n; i++) view[i] = fill(i);
  fences.set(view, { whole, sentinel, what });
  return view;
}

/** Asserts that no guard element of any fenced array was written, then forgets them. */
export function checkFences(context: string): void {
  for (const [view, { whole, sentinel, what }] of fences) {
    if (whole.length === 0) continue; // detached on purpose
    for (let i = 0; i < GUARD; i++) {
      if (whole[i] !== sentinel) expect.fail(`${context}: ${what} was written ${GUARD - i} elements before its start`);
      if (whole[whole.length - 1 - i] !== sentinel) expect.fail(`${context}: ${what} was written ${GUARD - i} elements past its end (length ${view.length})`);
    }
  }
  fences.clear();
}
