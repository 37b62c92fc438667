/**
 * The optimizer base, in the style of PyTorch's `torch.optim.Optimizer`:
 *
 * - parameters come as a list of tensors or as parameter groups `[{ params, lr, … }, …]`; each
 *   group's options are the constructor's options overridden by the group's own (`paramGroups`);
 * - every hyper-parameter is validated with a named message (`Invalid learning rate: -1`);
 * - per-parameter state (a step counter and the rule's buffers) is created lazily, at the first
 *   `step()` in which the parameter has a gradient; parameters without a gradient are skipped;
 * - `step()` makes one native call per parameter group, which updates all of its tensors;
 * - `stateDict()` / `loadStateDict()` copy the state buffers, the step counters and the group
 *   options, so a resumed run continues bit for bit.
 *
 * Differences from PyTorch: `zeroGrad()` zeroes gradients in place by default (PyTorch 1.x's
 * behaviour; PyTorch 2 sets them to None) so that steady-state training allocates nothing; pass
 * `{ setToNone: true }` for PyTorch 2's. A tensor listed twice (in one group or in two) is an error
 * (PyTorch warns, or throws across groups). Group-specific options are validated like the defaults.
 */
import { Tensor, allocate, allocateCopy } from '../tensor';
import { ParamArena, arenaOfTensor } from '../arena';
import { argError, checkOptions, describe, rangeError, shapeError, shapeStr, unknownOptionError } from '../errors';

/** A parameter group: tensors plus the options that apply to them (PyTorch's `param_groups` entry). */
export type ParamGroup<O> = O & {
  params: Tensor[];
  /** The lr when the first scheduler was attached (PyTorch's `initial_lr`), set by schedulers. */
  initialLr?: number;
};

/** Options given for one group: `{ params, ...overrides }`. */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor>; initialLr?: number };

/** What an optimizer constructor accepts: tensors, or parameter groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** State of one parameter: its step count and the rule's buffers (same size as the parameter). */
export interface ParamState {
  step: number;
  buffers: Record<string, Float32Array>;
}

/** The state of a group updated over a ParamArena (see Optimizer.stepArena). */
interface FlatState extends ParamState {
  arena: ParamArena;
  /** each buffer's per-parameter views, as the parameters' states hold them */
  views: Record<string, Float32Array[]>;
  /** the buffer names, and the parameters' states, as of the last arena step */
  names: string[];
  states: ParamState[];
  ps: Float32Array[];
  gs: Float32Array[];
  sts: ParamState[];
}

/**
 * A serialisable copy of an optimizer's state, laid out as PyTorch's `state_dict()`:
 * `state[i]` belongs to the i-th parameter counted across the groups in order, and holds `step`
 * plus the buffers as Tensors of the parameter's shape (camelCase names: `momentumBuffer`,
 * `squareAvg`, `gradAvg`, `expAvg`, `expAvgSq`, `maxExpAvgSq`, `prev`, `stepSize` for PyTorch's
 * `momentum_buffer`, `square_avg`, …); `paramGroups[g]` holds group g's options and the indices of
 * its parameters.
 */
export interface OptimizerStateDict {
  state: Record<number, { step: number; [buffer: string]: number | Tensor }>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/** Names an option in errors: `lr`, or `params[1].lr` when group 1 set it. */
export type ArgName = (key: string) => string;

/**
 * Checks a numeric hyper-parameter: a finite number (else a TypeError naming the argument), and
 * `ok(v)` (else `Invalid <what>: <v> (<arg> must be <range>)`, PyTorch's wording plus the rule).
 */
export function checkHyper(fn: string, arg: string, what: string, v: unknown, range: string, ok: (x: number) => boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw argError(fn, arg, range ? `a finite number ${range}` : 'a finite number', v);
  if (!ok(v)) throw rangeError(fn, `Invalid ${what}: ${v} (${arg} must be ${range})`);
  return v;
}

/** A boolean option. */
export function checkBool(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw argError(fn, arg, 'a boolean', v);
  return v;
}

/** A pair of numbers such as `betas` or `etas`, copied. */
export function checkPair(fn: string, arg: string, v: unknown, example: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw argError(fn, arg, `a pair of numbers like ${example}`, v);
  return [v[0], v[1]];
}

/** The options a caller gave, without keys set to undefined (those take the default). */
export function given<T extends object>(fn: string, opts: T, example: string): T {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw argError(fn, 'opts', `an options object like ${example}`, opts);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** zeroGrad's `{ setToNone }`, checked (unknown keys refused). */
function setToNoneOf(fn: string, opts: { setToNone?: boolean }): boolean {
  const o = checkOptions(fn, opts, ['setToNone'], '{ setToNone: true }');
  return o.setToNone === undefined ? false : checkBool(fn, 'setToNone', o.setToNone);
}

/** The lr rule shared by every optimizer: a finite number >= 0. */
export function checkLr(fn: string, arg: string, v: unknown): number {
  return checkHyper(fn, arg, 'learning rate', v, '>= 0', (x) => x >= 0);
}

export abstract class Optimizer<O extends { lr: number } = { lr: number }> {
  /** The parameter groups; each holds its tensors and its options (`lr`, …). Schedulers change `lr` here. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** The constructor's options after defaults were applied (before group overrides). */
  readonly defaults: Readonly<Partial<O>>;
  /** Per-parameter state, created at the parameter's first step. */
  readonly state = new Map<Tensor, ParamState>();
  /** Per group updated over a ParamArena: its arena-sized state and the arrays step() passes. */
  private readonly flatStates = new Map<ParamGroup<O>, FlatState>();
  /** `ng.optim.<Name>`, for messages. */
  protected readonly fn: string;

  protected constructor(fn: string, params: Params<O>, defaults: Partial<O>) {
    this.fn = fn;
    this.defaults = defaults;
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function')
      throw argError(fn, 'params', 'an array of Tensors (e.g. model.parameters()) or of parameter groups { params, lr, … }', params);
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw rangeError(fn, "argument 'params' is empty: the optimizer got no parameters to optimize");
    const known = this.optionNames();
    for (const [k, v] of Object.entries(defaults)) if (!known.includes(k)) throw unknownOptionError(fn, k, k, v, known);
    if (list[0] instanceof Tensor) this.addGroup({ params: list } as unknown as ParamGroupInput<O>, 0, false);
    else
      list.forEach((g, i) => {
        if (g === null || typeof g !== 'object' || g instanceof Tensor || !('params' in (g as object)))
          throw argError(fn, `params[${i}]`, 'a Tensor (in a list of Tensors) or a parameter group { params: Tensor[], … } (in a list of groups)', g);
        this.addGroup(g as ParamGroupInput<O>, i, true);
      });
  }

  /** The option names this optimizer accepts (for the unknown-option check). */
  protected abstract optionNames(): readonly string[];
  /** Validates merged options; returns a clean copy (pairs copied). */
  protected abstract checkOptions(o: Partial<O>, name: ArgName): O;
  /** The buffer names a state entry may hold (for loadStateDict). */
  protected abstract bufferNames(): readonly string[];
  /**
   * Updates the parameters of `group` that have a gradient, with one native call: `params` are
   * their buffers, `grads` their gradients', `states` their states, in the same order.
   */
  protected abstract updateGroup(group: ParamGroup<O>, params: Float32Array[], grads: Float32Array[], states: ParamState[]): void;

  /** Adds a parameter group (PyTorch's `add_param_group`): `{ params, ...option overrides }`. */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== 'object' || !('params' in group))
      throw argError(`${this.fn}.addParamGroup`, 'group', 'a parameter group { params: Tensor[], … }', group);
    this.addGroup(group, this.paramGroups.length, true);
  }

  private addGroup(input: ParamGroupInput<O>, index: number, named: boolean): void {
    const fn = this.fn;
    const where = named ? `params[${index}].params` : 'params';
    const raw = input.params as unknown;
    if (raw === null || typeof raw !== 'object' || typeof (raw as Iterable<unknown>)[Symbol.iterator] !== 'function')
      throw argError(fn, where, 'an array of Tensors', raw);
    const tensors = Array.from(raw as Iterable<unknown>);
    if (tensors.length === 0) throw rangeError(fn, `argument '${where}' is empty`);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    tensors.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw argError(fn, `${where}[${i}]`, 'a Tensor', p);
      if (p.isDisposed) throw rangeError(fn, `argument '${where}[${i}]' is a disposed Tensor (shape ${shapeStr(p.shape)})`);
      if (!p.isLeaf)
        throw rangeError(fn, `argument '${where}[${i}]' is not a leaf tensor (it was computed by an operation); an optimizer can only update leaves`);
      if (seen.has(p)) throw rangeError(fn, `argument '${where}[${i}]' (shape ${shapeStr(p.shape)}) appears more than once among the parameters`);
      seen.add(p);
    });
    const overrides: Record<string, unknown> = {};
    const known = this.optionNames();
    for (const [k, v] of Object.entries(input)) {
      if (k === 'params') continue;
      if (k === 'initialLr' || v === undefined) continue;
      if (!known.includes(k)) throw unknownOptionError(fn, named ? `params[${index}].${k}` : k, k, v, known);
      overrides[k] = v;
    }
    const name: ArgName = (k) => (named && k in overrides ? `params[${index}].${k}` : k);
    const options = this.checkOptions({ ...this.defaults, ...overrides } as Partial<O>, name);
    const group = { ...options, params: tensors as Tensor[] } as ParamGroup<O>;
    if (typeof input.initialLr === 'number') group.initialLr = input.initialLr;
    this.paramGroups.push(group);
  }

  /**
   * One update of every parameter that has a gradient. With `closure` (a function that recomputes
   * the loss, zeroing and back-propagating as needed), calls it first and returns its result.
   */
  step<T = void>(closure?: () => T): T | undefined {
    let loss: T | undefined;
    if (closure !== undefined) {
      if (typeof closure !== 'function') throw argError(`${this.fn}.step`, 'closure', 'a function', closure);
      loss = closure();
    }
    // plain loops and no per-call strings: this runs once per training step (see docs/performance.md)
    const groups = this.paramGroups;
    for (let gi = 0; gi < groups.length; gi++) {
      const group = groups[gi];
      const params = group.params;
      if (this.stepArena(group)) continue;
      const ps: Float32Array[] = [];
      const gs: Float32Array[] = [];
      const sts: ParamState[] = [];
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const g = p.grad;
        if (g === null || g.isDisposed) continue;
        if (p.isDisposed) throw rangeError(`${this.fn}.step`, `parameter ${i} of group ${gi} (shape ${shapeStr(p.shape)}) was disposed; it cannot be updated`);
        if (g.size !== p.size)
          throw shapeError(`${this.fn}.step`, `parameter ${i} of group ${gi} has shape ${shapeStr(p.shape)} but its gradient has shape ${shapeStr(g.shape)}`);
        let st = this.state.get(p);
        if (st === undefined) {
          st = { step: 0, buffers: {} };
          this.state.set(p, st);
        }
        ps.push(p.data);
        gs.push(g.data);
        sts.push(st);
      }
      if (ps.length === 0) continue;
      for (let k = 0; k < sts.length; k++) sts[k].step += 1; // only once every check has passed
      this.updateGroup(group, ps, gs, sts);
    }
    return loss;
  }

  /**
   * A group whose tensors are exactly a ParamArena's, in order, each with its gradient there (see
   * Module.flattenParameters) is updated by one native call over the arena's two buffers, its
   * state buffers arena-sized too, each parameter's state a view of them (so stateDict is
   * unchanged). Element-wise rules give the same results as one call per tensor, padding stays
   * zero. Returns false, doing nothing, when the group or its state does not fit (mixed steps, a
   * tensor that left the arena, …): the per-tensor path then runs.
   */
  private stepArena(group: ParamGroup<O>): boolean {
    const params = group.params;
    const arena = arenaOfTensor(params[0]);
    if (arena === undefined || !arena.covers(params)) return false;
    const kept = this.flatStates.get(group);
    const flat = kept !== undefined && kept.arena === arena && this.inSync(kept, params) ? kept : this.syncFlat(group, arena);
    if (flat === null) return false;
    flat.step += 1;
    this.updateGroup(group, flat.ps, flat.gs, flat.sts);
    let count = 0;
    for (const _name in flat.buffers) count++;
    if (count !== flat.names.length) {
      // the rule created buffers just now: each parameter's state gets its views of them
      flat.names = Object.keys(flat.buffers);
      for (const name of flat.names) if (flat.views[name] === undefined) flat.views[name] = params.map((_, i) => arena.viewOf(flat.buffers[name], i));
      for (let i = 0; i < params.length; i++) for (const name of flat.names) flat.states[i].buffers[name] = flat.views[name][i];
    }
    for (let i = 0; i < params.length; i++) flat.states[i].step = flat.step;
    return true;
  }

  /** Whether the parameters' states are still the views the last arena step left (no allocation). */
  private inSync(flat: FlatState, params: readonly Tensor[]): boolean {
    for (let i = 0; i < params.length; i++) {
      const st = this.state.get(params[i]);
      if (st !== flat.states[i] || st.step !== flat.step) return false;
      for (let k = 0; k < flat.names.length; k++) if (st.buffers[flat.names[k]] !== flat.views[flat.names[k]][i]) return false;
    }
    return true;
  }

  /**
   * The group's arena state, rebuilt from the parameters' states (copied into arena-sized buffers,
   * each state then holding views), or null when they cannot share one call: some parameters
   * fresh and others not, different steps or different buffers.
   */
  private syncFlat(group: ParamGroup<O>, arena: ParamArena): FlatState | null {
    const params = group.params;
    const first = this.state.get(params[0]);
    const names = first ? Object.keys(first.buffers) : [];
    for (let i = 1; i < params.length; i++) {
      const st = this.state.get(params[i]);
      if ((st === undefined) !== (first === undefined)) return null;
      if (st === undefined || first === undefined) continue;
      if (st.step !== first.step) return null;
      const keys = Object.keys(st.buffers);
      if (keys.length !== names.length || !names.every((n) => n in st.buffers)) return null;
    }
    const flat: FlatState = { arena, step: first ? first.step : 0, buffers: {}, views: {}, names, states: [], ps: [arena.data], gs: [arena.grad], sts: [] };
    flat.sts.push(flat);
    for (const p of params) {
      let st = this.state.get(p);
      if (st === undefined) {
        st = { step: 0, buffers: {} };
        this.state.set(p, st);
      }
      flat.states.push(st);
    }
    for (const name of names) {
      const buf = allocate(this.fn, arena.length, 64);
      flat.buffers[name] = buf;
      flat.views[name] = params.map((_, i) => arena.viewOf(buf, i));
      flat.states.forEach((st, i) => {
        flat.views[name][i].set(st.buffers[name]);
        st.buffers[name] = flat.views[name][i];
      });
    }
    this.flatStates.set(group, flat);
    return flat;
  }

  /**
   * Clears the gradients of every parameter: zeroes them in place (the default, which keeps their
   * buffers for the next backward) or, with `{ setToNone: true }`, sets `grad` to null (PyTorch 2's
   * default; the next backward allocates new buffers).
   */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    // no options (the per-step call) skips the check and its string
    const toNone = opts === undefined ? false : setToNoneOf(`${this.fn}.zeroGrad`, opts);
    for (const group of this.paramGroups) {
      if (!toNone) {
        const arena = arenaOfTensor(group.params[0]);
        if (arena !== undefined && arena.covers(group.params)) {
          arena.grad.fill(0); // one fill over the group's arena
          continue;
        }
      }
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (toNone || p.grad.isDisposed) p.grad = null;
        else p.grad.data.fill(0);
      }
    }
  }

  /** The learning rate of the first group (all groups have the same unless groups set their own). */
  get lr(): number {
    return this.paramGroups[0].lr;
  }
  /** Sets the learning rate of every group. */
  set lr(value: number) {
    const v = checkLr(`${this.fn}.lr`, 'lr', value);
    for (const g of this.paramGroups) g.lr = v;
  }

  /** Creates (zero-filled, or filled with `fill`) or returns a state buffer; `created` tells which. */
  protected buffer(st: ParamState, name: string, size: number, fill = 0): { buf: Float32Array; created: boolean } {
    const have = st.buffers[name];
    if (have) return { buf: have, created: false };
    const buf = allocate(this.fn, size, 64);
    if (fill !== 0) buf.fill(fill);
    st.buffers[name] = buf;
    return { buf, created: true };
  }

  /** A copy of the state: buffers copied into new Tensors, options and step counts copied. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...opts } = g;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(opts)) out[k] = Array.isArray(v) ? v.slice() : v;
      return { ...out, params: params.map((p) => (index.set(p, next), next++)) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: { step: number; [buffer: string]: number | Tensor } = { step: st.step };
      for (const [name, buf] of Object.entries(st.buffers)) entry[name] = new Tensor(allocateCopy(`${this.fn}.stateDict`, buf), p.shape);
      state[i] = entry;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state from `stateDict()`: group options (lr included) and every parameter's step and
   * buffers, copied. The groups must have the same number of parameters of the same sizes. Nothing
   * changes when it throws.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const fn = `${this.fn}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object')
      throw argError(fn, 'stateDict', 'an object { state, paramGroups } from stateDict()', sd);
    if (sd.paramGroups.length !== this.paramGroups.length)
      throw rangeError(fn, `the state dict has ${sd.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    const flat: Tensor[] = [];
    const newOptions: O[] = [];
    const initialLrs: (number | undefined)[] = [];
    sd.paramGroups.forEach((saved, gi) => {
      const group = this.paramGroups[gi];
      if (saved === null || typeof saved !== 'object' || !Array.isArray(saved.params))
        throw argError(fn, `paramGroups[${gi}]`, 'a group { params: number[], …options }', saved);
      if (saved.params.length !== group.params.length)
        throw rangeError(fn, `group ${gi} of the state dict has ${saved.params.length} parameters, this optimizer's has ${group.params.length}`);
      const { params: ids, initialLr, ...opts } = saved;
      for (const k of Object.keys(opts))
        if (!this.optionNames().includes(k)) throw unknownOptionError(fn, `paramGroups[${gi}].${k}`, k, opts[k], this.optionNames());

      const { params: _p, initialLr: _i, ...current } = group;
      newOptions.push(this.checkOptions({ ...current, ...opts } as unknown as Partial<O>, (k) => `paramGroups[${gi}].${k}`));
      if (initialLr !== undefined && (typeof initialLr !== 'number' || !Number.isFinite(initialLr)))
        throw argError(fn, `paramGroups[${gi}].initialLr`, 'a finite number', initialLr);
      initialLrs.push(initialLr as number | undefined);
      group.params.forEach((p, i) => {
        if (ids[i] !== flat.length)
          throw rangeError(fn, `paramGroups[${gi}].params[${i}] is ${describe(ids[i])}, expected ${flat.length} (parameters are numbered in order)`);
        flat.push(p);
      });
    });
    const allowed = this.bufferNames();
    const state = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const i = Number(key);
      if (!Number.isInteger(i) || i < 0 || i >= flat.length) throw rangeError(fn, `state entry '${key}' does not name a parameter (there are ${flat.length})`);
      const p = flat[i];
      if (entry === null || typeof entry !== 'object') throw argError(fn, `state[${key}]`, 'an object { step, …buffers }', entry);
      const step = entry.step;
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw argError(fn, `state[${key}].step`, 'an integer >= 0', step);
      const buffers: Record<string, Float32Array> = {};
      for (const [name, t] of Object.entries(entry as Record<string, unknown>)) {
        if (name === 'step') continue;
        if (!allowed.includes(name)) throw argError(fn, `state[${key}].${name}`, `a known buffer of ${this.fn} (one of ${allowed.join(', ')})`, t);
        const data = t instanceof Tensor ? (t.isDisposed ? null : t.data) : t instanceof Float32Array ? t : null;
        if (data === null) throw argError(fn, `state[${key}].${name}`, 'a live Tensor', t);
        if (data.length !== p.size)
          throw shapeError(
            fn,
            `state[${key}].${name} has ${data.length} elements (shape ${t instanceof Tensor ? shapeStr(t.shape) : `[${data.length}]`}) but parameter ${i} has shape ${shapeStr(p.shape)}`,
          );
        buffers[name] = allocateCopy(fn, data);
      }
      state.set(p, { step, buffers });
    }
    // commit
    this.paramGroups.forEach((g, gi) => {
      Object.assign(g, newOptions[gi]);
      if (initialLrs[gi] !== undefined) g.initialLr = initialLrs[gi];
    });
    this.state.clear();
    for (const [p, st] of state) this.state.set(p, st);
  }

  toString(): string {
    const lines = this.paramGroups.map((g, i) => {
      const { params, ...opts } = g;
      return `  group ${i}: ${params.length} tensors, ${JSON.stringify(opts)}`;
    });
    return `${this.fn.replace('ng.optim.', '')} (\n${lines.join('\n')}\n)`;
  }
}
