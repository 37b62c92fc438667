/**
 * Exponential moving average of a model's parameters (kernel: native/kernels/optim.cc, `ema_update`):
 *
 *   θ' ← decay·θ' + (1 − decay)·θ        after each optimizer step, θ' starting as a copy of θ
 *
 * The average usually generalises better than the last iterate; evaluate with it by copying it
 * into a model of the same shape (`copyTo`). One native call updates every tensor.
 *
 * Works with anything that lists its parameters: `namedParameters(): [name, Tensor][]` (preferred:
 * `copyTo` then matches tensors by name) or `parameters(): Tensor[]` (matched by position, named
 * '0', '1', …), e.g. an `ng.nn.Module`. Only parameters are averaged, not buffers such as
 * BatchNorm's running statistics (as in PyTorch's `AveragedModel` without `use_buffers`); the
 * model `copyTo` writes into keeps its own buffers. Unlike some EMA helpers (TensorFlow's
 * `num_updates`), the decay is fixed: no warm-up.
 */
import { Tensor, allocateCopy } from '../tensor';
import { argError, checkOptions, rangeError, shapeError, shapeStr } from '../errors';
import { native as kernels } from '../native';
import { checkHyper } from './optimizer';

/** The structural interface EMA needs of a model (an `ng.nn.Module` satisfies it). */
export interface ParameterSource {
  namedParameters?(): [string, Tensor][];
  parameters?(): Tensor[];
}

export interface EMAOptions {
  /** Weight of the old average, in [0, 1] (default 0.999). */
  decay?: number;
}

/** A serialisable copy of an EMA. */
export interface EMAStateDict {
  decay: number;
  numUpdates: number;
  averages: Record<string, Tensor>;
}

/** The model's parameters as [name, tensor] pairs, validated. */
function listParameters(fn: string, arg: string, module: unknown): [string, Tensor][] {
  const m = module as ParameterSource | null;
  let list: [string, Tensor][];
  if (m !== null && typeof m === 'object' && typeof m.namedParameters === 'function') {
    list = m.namedParameters();
    if (!Array.isArray(list)) throw argError(fn, `${arg}.namedParameters()`, 'an array of [name, Tensor] pairs', list);
  } else if (m !== null && typeof m === 'object' && typeof m.parameters === 'function') {
    const ps = m.parameters();
    if (!Array.isArray(ps)) throw argError(fn, `${arg}.parameters()`, 'an array of Tensors', ps);
    list = ps.map((p, i) => [String(i), p]);
  } else {
    throw argError(fn, arg, 'a module with namedParameters() or parameters() (e.g. an ng.nn.Module)', module);
  }
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !(entry[1] instanceof Tensor))
      throw argError(fn, `${arg}'s parameter ${i}`, 'a [name, Tensor] pair', entry);
    const [name, t] = entry;
    if (t.isDisposed) throw rangeError(fn, `parameter '${name}' of ${arg} is a disposed Tensor (shape ${shapeStr(t.shape)})`);
    if (seen.has(name)) throw rangeError(fn, `${arg} lists the parameter name '${name}' twice`);
    seen.add(name);
  });
  return list;
}

function checkDecay(fn: string, v: unknown): number {
  return checkHyper(fn, 'decay', 'decay value', v, 'in [0, 1]', (x) => x >= 0 && x <= 1);
}

export class EMA {
  private _decay: number;
  /** Number of `update()` calls so far. */
  numUpdates = 0;
  private readonly module: ParameterSource;
  private readonly names: string[];
  private readonly averages: Tensor[];

  constructor(module: ParameterSource, opts?: EMAOptions) {
    const fn = 'ng.optim.EMA';
    this._decay = checkDecay(fn, checkOptions(fn, opts, ['decay'], '{ decay: 0.999 }').decay ?? 0.999);
    const list = listParameters(fn, 'module', module);
    if (list.length === 0) throw rangeError(fn, "argument 'module' has no parameters to average");
    this.module = module;
    this.names = list.map(([n]) => n);
    this.averages = list.map(([, p]) => new Tensor(allocateCopy('new ng.optim.EMA', p.data), p.shape));
  }

  /** Weight of the old average in each update. */
  get decay(): number {
    return this._decay;
  }
  set decay(v: number) {
    this._decay = checkDecay('ng.optim.EMA.decay', v);
  }

  /** The module's tensors in the order of `names`, after checking that they match the averages. */
  private aligned(fn: string, arg: string, module: unknown): Tensor[] {
    const list = listParameters(fn, arg, module);
    const byName = new Map(list);
    if (list.length !== this.names.length || this.names.some((n) => !byName.has(n))) {
      const missing = this.names.filter((n) => !byName.has(n));
      const extra = list.map(([n]) => n).filter((n) => !this.names.includes(n));
      throw rangeError(
        fn,
        `${arg} does not have the averaged parameters: ${missing.length ? `missing ${missing.map((n) => `'${n}'`).join(', ')}` : ''}` +
          `${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${extra.map((n) => `'${n}'`).join(', ')}` : ''}`,
      );
    }
    return this.names.map((n, i) => {
      const t = byName.get(n) as Tensor;
      const avg = this.averages[i];
      if (t.shape.length !== avg.shape.length || t.shape.some((d, k) => d !== avg.shape[k]))
        throw shapeError(fn, `parameter '${n}' has shape ${shapeStr(t.shape)} in ${arg} but ${shapeStr(avg.shape)} in the average`);
      return t;
    });
  }

  /** θ' ← decay·θ' + (1 − decay)·θ for every parameter of the module given at construction. */
  update(): void {
    const params = this.aligned('ng.optim.EMA.update', 'the module', this.module);
    kernels.emaUpdate(
      this.averages.map((a) => a.data),
      params.map((p) => p.data),
      this._decay,
    );
    this.numUpdates += 1;
  }

  /** Writes the averages into `module`'s parameters (same names and shapes; checked first). */
  copyTo(module: ParameterSource): void {
    const params = this.aligned('ng.optim.EMA.copyTo', 'module', module);
    params.forEach((p, i) => p.data.set(this.averages[i].data));
  }

  /** The averages as [name, Tensor] pairs. These are the live buffers: read them, do not dispose them. */
  namedParameters(): [string, Tensor][] {
    return this.names.map((n, i) => [n, this.averages[i]]);
  }
  /** The averages, in the module's order (live buffers). */
  parameters(): Tensor[] {
    return this.averages.slice();
  }

  /** A copy: the decay, the update count and the averages (copied into new Tensors). */
  stateDict(): EMAStateDict {
    const averages: Record<string, Tensor> = {};
    this.names.forEach((n, i) => (averages[n] = this.averages[i].detach()));
    return { decay: this._decay, numUpdates: this.numUpdates, averages };
  }

  /** Restores `stateDict()`'s output (same names and shapes; nothing changes when it throws). */
  loadStateDict(sd: EMAStateDict): void {
    const fn = 'ng.optim.EMA.loadStateDict';
    if (sd === null || typeof sd !== 'object' || sd.averages === null || typeof sd.averages !== 'object')
      throw argError(fn, 'stateDict', 'an object { decay, numUpdates, averages } from stateDict()', sd);
    const decay = checkDecay(fn, sd.decay);
    const numUpdates = sd.numUpdates;
    if (typeof numUpdates !== 'number' || !Number.isInteger(numUpdates) || numUpdates < 0) throw argError(fn, 'numUpdates', 'an integer >= 0', numUpdates);
    const named = Object.entries(sd.averages);
    const src = this.aligned(fn, 'the state dict', { namedParameters: () => named });
    this.averages.forEach((a, i) => a.data.set(src[i].data));
    this._decay = decay;
    this.numUpdates = numUpdates;
  }
}
