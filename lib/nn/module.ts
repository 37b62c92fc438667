/**
 * Module: the base of every layer and loss, after PyTorch's nn.Module.
 *
 * A module owns parameters (trainable tensors with requiresGrad), buffers (state that is saved
 * but not trained, e.g. BatchNorm's running statistics) and child modules, each under a name.
 * Names compose with dots, as in PyTorch's state_dict: `0.weight`, `1.running_mean`, …
 *
 * A sub-module or a trainable leaf tensor (requiresGrad) assigned to a property, as in PyTorch's
 * `self.fc1 = nn.Linear(…)`, is registered under the property's name, in assignment order, the
 * first time the module is asked for its children, parameters or state: no register call needed.
 *
 * `forward` is bound to its module, so it can be passed around as a function:
 * `xs.map(net.forward)`, `ng.gradcheck(net.forward, [x])`.
 */
import { Tensor } from '../tensor';
import { ParamArena } from '../arena';
import { argError, checkOptions, rangeError, shapeStr } from '../errors';
import { sameShape } from '../shape';

/** The outcome of a non-strict loadStateDict. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** @internal the bound forward a Module's constructor installed (see hasOwnForward) */
const BOUND_FORWARD = Symbol('ng.nn.boundForward');

/**
 * @internal Whether `m.forward` is still the method its class defines (not replaced on the
 * instance): Sequential fuses a layer pair only then, so a user's own forward always runs.
 */
export function hasOwnForward(m: Module): boolean {
  return (m as unknown as Record<symbol, unknown>)[BOUND_FORWARD] === m.forward;
}

export abstract class Module {
  /** Training mode (the default) or evaluation mode; set recursively by train()/eval(). */
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _optionalBuffers = new Set<string>();
  private readonly _modules = new Map<string, Module>();
  /** names registered from properties (see adoptProperties), not by a register call */
  private readonly _adopted = new Set<string>();
  /** the arena of flattenParameters(), if called */
  private _arena: ParamArena | null = null;

  constructor() {
    // an own, bound `forward` (non-enumerable) shadows the prototype's method
    const f = (this as unknown as { forward: (...a: unknown[]) => Tensor }).forward;
    if (typeof f !== 'function') throw new TypeError(`${new.target.name}: a Module subclass must define forward()`);
    const bound = f.bind(this);
    Object.defineProperty(this, 'forward', { value: bound, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(this, BOUND_FORWARD, { value: bound, enumerable: false });
  }

  /** Computes the module's output. Losses take (input, target). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(input: Tensor, ...rest: any[]): Tensor;

  /** Registers a parameter (a tensor with requiresGrad, or null for an absent one, like a bias=false bias). */
  protected registerParameter(name: string, t: Tensor | null): Tensor | null {
    this.checkName('registerParameter', name);
    if (t !== null && !(t instanceof Tensor)) throw argError(`${this.constructor.name}.registerParameter`, 'tensor', 'a Tensor or null', t);
    if (t) t.requiresGrad = true;
    this._parameters.set(name, t);
    return t;
  }
  /**
   * Registers a buffer: state saved in stateDict() but not trained. `optional` buffers may be
   * absent from a state dict on load (BatchNorm's num_batches_tracked, as in PyTorch).
   */
  protected registerBuffer(name: string, t: Tensor | null, opts?: { optional?: boolean }): Tensor | null {
    const fn = `${this.constructor.name}.registerBuffer`;
    this.checkName('registerBuffer', name);
    if (t !== null && !(t instanceof Tensor)) throw argError(fn, 'tensor', 'a Tensor or null', t);
    const o = checkOptions(fn, opts, ['optional'], '{ optional: true }');
    if (o.optional !== undefined && typeof o.optional !== 'boolean') throw argError(fn, 'optional', 'a boolean', o.optional);
    this._buffers.set(name, t);
    if (o.optional) this._optionalBuffers.add(name);
    return t;
  }
  /** Registers a child module under `name`. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName('registerModule', name);
    if (!(m instanceof Module)) throw argError(`${this.constructor.name}.registerModule`, 'module', 'an ng.nn.Module', m);
    this._modules.set(name, m);
    return m;
  }
  private checkName(fn: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.'))
      throw argError(`${this.constructor.name}.${fn}`, 'name', 'a non-empty string without dots', name);
    if (this._adopted.delete(name)) {
      this._parameters.delete(name);
      this._modules.delete(name);
    }
    if (this._parameters.has(name) || this._buffers.has(name) || this._modules.has(name))
      throw rangeError(`${this.constructor.name}.${fn}`, `the name '${name}' is already taken`);
  }

  /**
   * Registers the Modules and trainable leaf tensors held by own enumerable properties that no
   * register call named (PyTorch's __setattr__), in property order; follows reassignment (a
   * property set to another module or to null) for the names it registered itself.
   */
  private adoptProperties(): void {
    const self = this as unknown as Record<string, unknown>;
    for (const name of this._adopted) {
      const v = self[name];
      if (this._modules.get(name) !== v && this._parameters.get(name) !== v) {
        this._adopted.delete(name);
        this._modules.delete(name);
        this._parameters.delete(name);
      }
    }
    for (const name of Object.keys(this)) {
      if (this._adopted.has(name) || this._modules.has(name) || this._parameters.has(name) || this._buffers.has(name) || name.includes('.')) continue;
      const v = self[name];
      if (v instanceof Module) {
        if (v === this || this.holds(v)) continue;
        this._modules.set(name, v);
        this._adopted.add(name);
      } else if (v instanceof Tensor && v.requiresGrad && v.isLeaf && !v.isDisposed) {
        if (this.holds(v)) continue;
        this._parameters.set(name, v);
        this._adopted.add(name);
      }
    }
  }
  /** Whether a register call already put `v` among this module's own entries. */
  private holds(v: Module | Tensor): boolean {
    for (const t of this._parameters.values()) if (t === v) return true;
    for (const t of this._buffers.values()) if (t === v) return true;
    for (const m of this._modules.values()) if (m === v) return true;
    return false;
  }

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    this.adoptProperties();
    return [...this._modules.entries()];
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and every descendant, with dotted names ('' for this one); a module that holds one of its ancestors does not recurse. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    this.walk(prefix, [], out);
    return out;
  }
  private walk(prefix: string, ancestors: Module[], out: [string, Module][]): void {
    this.adoptProperties();
    out.push([prefix, this]);
    ancestors.push(this);
    for (const [name, m] of this._modules) if (!ancestors.includes(m)) m.walk(prefix ? `${prefix}.${name}` : name, ancestors, out);
    ancestors.pop();
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name, this module's first, then each child's; shared tensors once. */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => m._parameters);
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  /** Every buffer with its dotted name (running statistics, …). */
  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m._buffers);
  }
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }
  private collect(pick: (m: Module) => Map<string, Tensor | null>): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules())
      for (const [name, t] of pick(m)) {
        if (!t || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    return out;
  }

  /** Sets training mode on this module and every descendant. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = !!mode;
    return this;
  }
  /** Evaluation mode (train(false)): Dropout is the identity, BatchNorm uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Calls fn on every descendant and on this module (children first, as PyTorch's apply). */
  apply(fn: (m: Module) => void): this {
    this.applyWithin(fn, []);
    return this;
  }
  private applyWithin(fn: (m: Module) => void, ancestors: Module[]): void {
    ancestors.push(this);
    for (const [, m] of this.namedChildren()) if (!ancestors.includes(m)) m.applyWithin(fn, ancestors);
    ancestors.pop();
    fn(this);
  }

  /**
   * Zeroes the gradient of every parameter (fills the existing .grad with 0, keeping the buffer
   * that an optimizer may hold); `{ setToNone: true }` drops them instead (PyTorch 2's default).
   */
  /**
   * Moves every parameter of this module and its children into one flat buffer, and their
   * gradients into another (a ParamArena, llm.c's `params_memory`): `zeroGrad` becomes one fill
   * and an optimizer over `parameters()` updates each buffer in one native call, with the same
   * results. The parameters stay the same Tensor objects with the same values; each trainable one
   * gets a zero gradient in the arena at once (as after PyTorch's `zero_grad(set_to_none=False)`).
   * A `data` array read before the call is the old storage: read `p.data` again. Calling it again
   * (after adding layers) makes a new arena. `Trainer` calls it for its model.
   */
  flattenParameters(): ParamArena {
    const arena = new ParamArena(this.parameters());
    this._arena = arena;
    return arena;
  }
  /** The arena of the last flattenParameters(), or null. */
  get parameterArena(): ParamArena | null {
    return this._arena;
  }

  zeroGrad(opts?: { setToNone?: boolean }): void {
    let toNone = false;
    if (opts !== undefined) {
      const fn = `${this.constructor.name}.zeroGrad`;
      const o = checkOptions(fn, opts, ['setToNone'], '{ setToNone: true }');
      if (o.setToNone !== undefined && typeof o.setToNone !== 'boolean') throw argError(fn, 'setToNone', 'a boolean', o.setToNone);
      toNone = o.setToNone ?? false;
    }
    const arena = this._arena;
    if (!toNone && arena !== null && arena.covers(this.parameters())) {
      arena.grad.fill(0); // one fill: the padding and frozen tensors' slots are zero anyway
      return;
    }
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (toNone) p.grad = null;
      else if (!p.grad.isDisposed) p.grad.data.fill(0);
    }
  }

  /**
   * Parameters and buffers under PyTorch's state_dict keys (`0.weight`, `1.running_mean`, …), in
   * PyTorch's order (per module: parameters, then buffers; then its children).
   * The tensors are copies (PyTorch returns views that share storage): a saved state stays as it was.
   */
  stateDict(): Record<string, Tensor> {
    const sd: Record<string, Tensor> = {};
    for (const [prefix, m] of this.namedModules()) {
      const key = (n: string): string => (prefix ? `${prefix}.${n}` : n);
      for (const [n, t] of m._parameters) if (t) sd[key(n)] = t.detach();
      for (const [n, t] of m._buffers) if (t) sd[key(n)] = t.detach();
    }
    return sd;
  }

  /**
   * Copies the values of `sd` into this module's existing parameters and buffers (their identity,
   * and so any optimizer holding them, is kept). Throws, listing every problem, on a missing key,
   * an unknown key, a value that is not a Tensor or a shape that differs. Optional buffers
   * (BatchNorm's num_batches_tracked) may be missing. With `{ strict: false }` missing and unknown
   * keys are allowed and returned; wrong shapes still throw (as PyTorch).
   */
  loadStateDict(sd: Record<string, Tensor>, opts?: { strict?: boolean }): LoadStateDictResult {
    const fn = `${this.constructor.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd) || sd instanceof Tensor)
      throw argError(fn, 'stateDict', 'an object of Tensors keyed like stateDict()', sd);
    const o = checkOptions(fn, opts, ['strict'], '{ strict: false }');
    if (o.strict !== undefined && typeof o.strict !== 'boolean') throw argError(fn, 'strict', 'a boolean', o.strict);
    const strict = o.strict ?? true;
    const own = new Map<string, { t: Tensor; optional: boolean }>();
    for (const [prefix, m] of this.namedModules()) {
      const key = (n: string): string => (prefix ? `${prefix}.${n}` : n);
      for (const [n, t] of m._parameters) if (t) own.set(key(n), { t, optional: false });
      for (const [n, t] of m._buffers) if (t) own.set(key(n), { t, optional: m._optionalBuffers.has(n) });
    }
    const missing = [...own.entries()].filter(([k, v]) => !(k in sd) && !v.optional).map(([k]) => k);
    const unexpected = Object.keys(sd).filter((k) => !own.has(k));
    const wrong: string[] = [];
    for (const [k, { t }] of own) {
      if (!(k in sd)) continue;
      const v = sd[k];
      if (!(v instanceof Tensor)) wrong.push(`'${k}' is not a Tensor (got ${v === null ? 'null' : typeof v})`);
      else if (v.isDisposed) wrong.push(`'${k}' is a disposed Tensor`);
      else if (!sameShape(v.shape, t.shape)) wrong.push(`'${k}' has shape ${shapeStr(v.shape)} in the state dict but ${shapeStr(t.shape)} in the module`);
    }
    const problems: string[] = [];
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    problems.push(...wrong);
    if (problems.length) throw rangeError(fn, `the state dict does not fit this ${this.constructor.name}: ${problems.join('; ')}`);
    for (const [k, { t }] of own) if (k in sd) t.data.set(sd[k].data);
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  /** A one-line description of this module's settings (PyTorch's extra_repr). */
  protected extraRepr(): string {
    return '';
  }
  /** A PyTorch-style description of the module tree. */
  toString(): string {
    return this.describeWithin([]);
  }
  private describeWithin(ancestors: Module[]): string {
    ancestors.push(this);
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    const lines = kids.map(
      ([n, m]) => `  (${n}): ${ancestors.includes(m) ? `<the enclosing ${m.constructor.name}>` : m.describeWithin(ancestors).split('\n').join('\n  ')}`,
    );
    ancestors.pop();
    if (!kids.length) return `${head})`;
    return `${head}\n${lines.join('\n')}\n)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
