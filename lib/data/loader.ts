/**
 * DataLoader: batches of a Dataset (TensorDataset, ByteDataset, or any object with `length`, `y` and
 * `getBatch(indices)`); the loader chooses the indices, the dataset assembles each batch (one native
 * gather per batch for the built-in ones, kernels/gather.cc).
 *
 * One epoch is one pass of `for (const batch of loader)`; every new iteration starts a new epoch.
 *
 * - **Order** (not balanced): the samples in dataset order, or, with `shuffle`, a new uniformly
 *   random permutation each epoch (PyTorch's RandomSampler). Batches are consecutive slices of it:
 *   `length` = ceil(N / batchSize), or floor(N / batchSize) with `dropLast` (the short last batch is
 *   dropped), as in PyTorch.
 * - **Balanced** (`balanced: true`, class labels only): an epoch has the same number of batches and
 *   samples as above, but every batch holds the K classes present in equal shares: a batch of b
 *   samples gets floor(b/K) of each class, and the b mod K extra places go to the classes in turn
 *   (a round-robin cursor that runs across the epoch's batches, restarting at class 0 each epoch), so
 *   every batch's counts are within ±1 of b/K and the epoch's totals per class within ±1 of N/K.
 *   Each class is a stream drawn without replacement: with `shuffle`, a fresh random permutation of
 *   that class's samples at the start of every epoch, and another each time it runs out (so a small
 *   class cycles through all its samples before any repeats, and a large class shows a different
 *   random subset each epoch); without `shuffle`, the class's samples in dataset order, continued
 *   from where the previous epoch stopped and wrapping around. Within a batch the classes are
 *   interleaved (c₀, c₁, …, c₀, c₁, …). PyTorch has no such sampler (WeightedRandomSampler draws
 *   with replacement and balances only in expectation).
 * - **Randomness**: from the library generator (ng.manualSeed), drawn when an epoch starts; with
 *   `seed`, from a generator of the loader's own, seeded once, so the order depends only on the seed
 *   and the epoch number and never disturbs (or follows) the global stream.
 * - **Resume**: the state between epochs is the epoch counter and, with `seed`, the loader's
 *   generator: `stateDict()`/`loadStateDict()` carry both. Without `seed` the global generator's
 *   state (ng.getRngState, saved by the Trainer's checkpoints) is what makes the next epoch's order
 *   reproducible. Resuming in the middle of an epoch is not supported.
 *
 * Batches: `{ x: Tensor [b, ...], y }` with y an Int32Array [b] for class labels or a Tensor [b, ...]
 * for tensor targets; each batch owns fresh buffers (dispose them, or leave them to the GC).
 */
import { native } from '../native';
import { Tensor } from '../tensor';
import { argError, checkNumber, checkOptions, rangeError } from '../errors';
import { manualSeed } from '../creation';
import { Batch, Dataset, TensorDataset } from './dataset';

export type { Batch } from './dataset';

export interface DataLoaderOptions {
  /** samples per batch (default 1, as PyTorch) */
  batchSize?: number;
  /** a new random order every epoch (default false) */
  shuffle?: boolean;
  /** class-balanced batches (default false); needs Int32Array labels */
  balanced?: boolean;
  /** drop the last, short batch (default false) */
  dropLast?: boolean;
  /** seed a generator of the loader's own instead of following ng.manualSeed */
  seed?: number | bigint;
}

/** Serializable loader state between epochs. */
export interface DataLoaderState {
  /** epochs started so far */
  epoch: number;
  /** the loader's own generator (only with `seed`): 8 words of ng.getRngState's format */
  rng?: number[];
}

interface ClassStream {
  label: number;
  /** dataset indices of this class, in dataset order */
  members: Int32Array;
  /** the current draw order (members permuted, or members) and how far it is used */
  order: Int32Array;
  cursor: number;
}

export class DataLoader implements Iterable<Batch> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly balanced: boolean;
  readonly dropLast: boolean;
  readonly seed: number | bigint | undefined;
  private epoch = 0;
  private rng: Uint32Array | null = null;
  private readonly classes: ClassStream[] | null = null;

  /**
   * `dataset`: a Dataset (TensorDataset, ByteDataset, or an object with `length`, `y` and
   * `getBatch(indices)`), or a plain `{ x: Tensor, y }`, which is wrapped in a TensorDataset.
   */
  constructor(dataset: Dataset | { x: Tensor; y: Tensor | Int32Array }, opts?: DataLoaderOptions) {
    const fn = 'new ng.data.DataLoader';
    this.dataset = asDataset(fn, dataset);
    const o = checkOptions(fn, opts, ['batchSize', 'shuffle', 'balanced', 'dropLast', 'seed'], '{ batchSize: 64, shuffle: true }');
    this.batchSize = checkNumber(fn, 'batchSize', o.batchSize ?? 1, { integer: true, min: 1 });
    for (const flag of ['shuffle', 'balanced', 'dropLast'] as const)
      if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw argError(fn, flag, 'a boolean', o[flag]);
    this.shuffle = o.shuffle ?? false;
    this.balanced = o.balanced ?? false;
    this.dropLast = o.dropLast ?? false;
    this.seed = o.seed;
    if (o.seed !== undefined) {
      if (!(typeof o.seed === 'bigint' || Number.isSafeInteger(o.seed))) throw argError(fn, 'seed', 'a safe integer or a BigInt', o.seed);
      this.rng = seededState(o.seed);
    }
    const y = this.dataset.y;
    if (this.balanced) {
      if (!(y instanceof Int32Array)) throw argError(fn, 'balanced', 'used with class labels (an Int32Array y); this dataset has tensor targets');
      this.classes = groupByClass(y);
    }
  }

  /** Samples in the data set. */
  get numSamples(): number {
    return this.dataset.length;
  }
  /** Batches per epoch: ceil(N / batchSize), or floor with dropLast. */
  get length(): number {
    const N = this.numSamples;
    return this.dropLast ? Math.floor(N / this.batchSize) : Math.ceil(N / this.batchSize);
  }

  [Symbol.iterator](): Iterator<Batch> {
    const ds = this.dataset;
    const N = ds.length;
    const y = ds.y;
    const yLen = y instanceof Tensor ? y.shape[0] : y instanceof Int32Array ? y.length : NaN;
    if (!Number.isInteger(N) || N < 0 || yLen !== N)
      throw rangeError('DataLoader', `the dataset has ${N} samples but its y has ${yLen}`);
    const plan = this.epochPlan(N);
    this.epoch++;
    const B = this.batchSize;
    const nBatches = this.length;
    let j = 0;
    return {
      next: (): IteratorResult<Batch> => {
        if (j >= nBatches) return { done: true, value: undefined };
        const idx = plan.subarray(j * B, Math.min((j + 1) * B, plan.length));
        j++;
        return { done: false, value: ds.getBatch(idx) };
      },
      [Symbol.iterator]() {
        return this;
      },
    } as Iterator<Batch> & Iterable<Batch>;
  }

  /** { epoch, rng? }: enough to make the next epoch's order the same after a restart. */
  stateDict(): DataLoaderState {
    const s: DataLoaderState = { epoch: this.epoch };
    if (this.rng) s.rng = Array.from(this.rng);
    return s;
  }
  loadStateDict(state: DataLoaderState): void {
    const fn = 'DataLoader.loadStateDict';
    if (!state || typeof state !== 'object') throw argError(fn, 'state', 'an object from DataLoader.stateDict()', state);
    checkNumber(fn, 'state.epoch', state.epoch, { integer: true, min: 0 });
    if (this.rng) {
      const r = state.rng;
      if (!Array.isArray(r) || r.length !== 8 || !r.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32))
        throw argError(fn, 'state.rng', 'the 8 generator words of a seeded loader', r);
      this.rng = Uint32Array.from(r);
    } else if (state.rng !== undefined) {
      throw argError(fn, 'state.rng', 'absent: this loader has no seed of its own (the state comes from a seeded loader)');
    }
    this.epoch = state.epoch;
  }

  /** Runs `draw` on the loader's own generator when it has one, else on the global one. */
  private withRng<T>(draw: () => T): T {
    if (!this.rng) return draw();
    const saved = native.rngGetState();
    native.rngSetState(this.rng);
    try {
      return draw();
    } finally {
      this.rng = native.rngGetState();
      native.rngSetState(saved);
    }
  }

  /** The dataset indices of this epoch, batch after batch. */
  private epochPlan(N: number): Int32Array {
    const total = this.dropLast ? this.length * this.batchSize : N;
    if (!this.classes) {
      const order = new Int32Array(N);
      if (this.shuffle) this.withRng(() => native.rngPermutation(order));
      else for (let i = 0; i < N; i++) order[i] = i;
      return total === N ? order : order.subarray(0, total);
    }
    return this.withRng(() => this.balancedPlan(total));
  }

  private balancedPlan(total: number): Int32Array {
    const classes = this.classes!;
    const K = classes.length;
    const B = this.batchSize;
    const plan = new Int32Array(total);
    if (K === 0 || total === 0) return plan;
    // start of epoch: fresh permutations (shuffle), or dataset order continued where the last epoch stopped
    const perEpoch = this.perEpochCounts(total, K);
    for (let c = 0; c < K; c++) {
      const s = classes[c];
      if (this.shuffle) {
        s.order = permuted(s.members);
        s.cursor = 0;
      } else {
        s.order = s.members;
        s.cursor = Number((BigInt(this.epoch) * BigInt(perEpoch[c])) % BigInt(s.members.length));
      }
    }
    const counts = new Int32Array(K);
    let extraCursor = 0;
    let pos = 0;
    while (pos < total) {
      const b = Math.min(B, total - pos);
      const base = Math.floor(b / K);
      const extra = b - base * K;
      counts.fill(base);
      for (let e = 0; e < extra; e++) counts[(extraCursor + e) % K]++;
      extraCursor = (extraCursor + extra) % K;
      for (let round = 0; round <= base; round++)
        for (let c = 0; c < K; c++) if (round < counts[c]) plan[pos++] = this.draw(classes[c]);
    }
    return plan;
  }

  /** Samples of each class in one epoch of `total` samples (the same every epoch). */
  private perEpochCounts(total: number, K: number): number[] {
    const B = this.batchSize;
    const full = Math.floor(total / B);
    const last = total - full * B;
    const base = full * Math.floor(B / K) + Math.floor(last / K);
    const extras = full * (B % K) + (last % K);
    const out: number[] = [];
    for (let c = 0; c < K; c++) out.push(base + Math.floor(extras / K) + (c < extras % K ? 1 : 0));
    return out;
  }

  private draw(s: ClassStream): number {
    if (s.cursor >= s.order.length) {
      s.order = this.shuffle ? permuted(s.members) : s.members;
      s.cursor = 0;
    }
    return s.order[s.cursor++];
  }
}

/** A Dataset as given, or a plain { x: Tensor, y } wrapped in a TensorDataset (which validates it). */
function asDataset(fn: string, d: unknown): Dataset {
  const expected = 'a Dataset (TensorDataset, ByteDataset, or { length, y, getBatch(indices) }) or { x: Tensor, y: Int32Array | Tensor }';
  if (!d || typeof d !== 'object') throw argError(fn, 'dataset', expected, d);
  const o = d as Partial<Dataset> & { x?: unknown };
  if (typeof o.getBatch === 'function') {
    if (!(typeof o.length === 'number' && Number.isInteger(o.length) && o.length >= 0))
      throw argError(fn, 'dataset.length', 'a non-negative integer (the number of samples)', o.length);
    if (!(o.y instanceof Int32Array || o.y instanceof Tensor)) throw argError(fn, 'dataset.y', 'an Int32Array of class indices or a Tensor of targets', o.y);
    return o as Dataset;
  }
  if (o.x instanceof Tensor) return new TensorDataset(o.x, o.y as Tensor | Int32Array);
  throw argError(fn, 'dataset', expected, d);
}

function permuted(members: Int32Array): Int32Array {
  const p = new Int32Array(members.length);
  native.rngPermutation(p);
  for (let i = 0; i < p.length; i++) p[i] = members[p[i]];
  return p;
}

/** The distinct labels, ascending, each with its dataset indices. */
function groupByClass(y: Int32Array): ClassStream[] {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    let list = byLabel.get(y[i]);
    if (!list) byLabel.set(y[i], (list = []));
    list.push(i);
  }
  return [...byLabel.keys()]
    .sort((a, b) => a - b)
    .map((label) => {
      const members = Int32Array.from(byLabel.get(label)!);
      return { label, members, order: members, cursor: 0 };
    });
}

/** The generator state that ng.manualSeed(seed) produces, without touching the global generator. */
function seededState(seed: number | bigint): Uint32Array {
  const saved = native.rngGetState();
  try {
    manualSeed(seed);
    return native.rngGetState();
  } finally {
    native.rngSetState(saved);
  }
}
