/**
 * One helper formats every argument error, so that they all read alike:
 * `ng.matmul: argument 'b' must be a 2-D Tensor, got a Tensor of shape [3]`.
 */

/** `[2, 3]` for a shape. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  const ctor = (value as object).constructor?.name;
  if (ctor === 'Tensor') {
    const t = value as { shape: readonly number[]; isDisposed: boolean };
    return t.isDisposed ? 'a disposed Tensor' : `a Tensor of shape ${shapeStr(t.shape)}`;
  }
  if (typeof value === 'function') return 'a function';
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/** An Error for a bad argument: names the function, the argument, what was expected and what came. */
export function argError(fn: string, arg: string, expected: string, got?: unknown): Error {
  const tail = arguments.length >= 4 ? `, got ${describe(got)}` : '';
  return new TypeError(`${fn}: argument '${arg}' must be ${expected}${tail}`);
}

/** An Error for a value out of range (a negative lr, an axis past the rank, …). */
export function rangeError(fn: string, message: string): Error {
  return new RangeError(`${fn}: ${message}`);
}

/** An Error for shapes that do not fit together; names every shape involved. */
export function shapeError(fn: string, message: string): Error {
  return new RangeError(`${fn}: ${message}`);
}

/** Checks that `v` is a finite number (optionally an integer within bounds). */
export function checkNumber(fn: string, arg: string, v: unknown, opts: { integer?: boolean; min?: number; max?: number; minExclusive?: boolean } = {}): number {
  const kind = opts.integer ? 'an integer' : 'a finite number';
  const bounds =
    opts.min !== undefined && opts.max !== undefined
      ? ` in [${opts.min}, ${opts.max}]`
      : opts.min !== undefined
        ? opts.minExclusive
          ? ` > ${opts.min}`
          : ` >= ${opts.min}`
        : opts.max !== undefined
          ? ` <= ${opts.max}`
          : '';
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) throw argError(fn, arg, kind + bounds, v);
  if ((opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) || (opts.max !== undefined && v > opts.max))
    throw rangeError(fn, `argument '${arg}' must be ${kind}${bounds}, got ${v}`);
  return v;
}

/** `batch_size` → `batchSize` (PyTorch's spelling of an option to ours). */
function camelCase(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Edit distance of two short strings (for "did you mean" on option names). */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/**
 * The error for an option name that `known` does not list: names the known ones, and the one
 * probably meant (PyTorch's snake_case spelling of a camelCase name, or a near typo).
 */
export function unknownOptionError(fn: string, arg: string, key: string, value: unknown, known: readonly string[]): Error {
  let hint = '';
  const camel = camelCase(key);
  if (camel !== key && known.includes(camel)) hint = ` (PyTorch's '${key}' is '${camel}' here)`;
  else {
    let best = '';
    let bestD = Infinity;
    for (const k of known) {
      const d = editDistance(key.toLowerCase(), k.toLowerCase());
      if (d < bestD) [best, bestD] = [k, d];
    }
    if (best !== '' && bestD <= Math.max(1, Math.min(2, Math.floor(key.length / 3)))) hint = ` (did you mean '${best}'?)`;
  }
  const list = known.length ? known.join(', ') : 'none';
  return new TypeError(`${fn}: argument '${arg}' must be a known option (one of ${list}), got ${describe(value)}${hint}`);
}

/**
 * Checks an options object: `undefined` is `{}`; anything but a plain object throws (`example`
 * shows one); a key not in `known` throws with unknownOptionError. Keys set to undefined are
 * allowed (they take the default). `prefix` names nested options ('validation.' → 'validation.x').
 */
export function checkOptions<T extends object>(fn: string, opts: T | undefined, known: readonly string[], example: string, arg = 'opts', prefix = ''): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || ArrayBuffer.isView(opts) || (opts as object).constructor?.name === 'Tensor')
    throw argError(fn, arg, `an options object like ${example}`, opts);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw unknownOptionError(fn, prefix + k, k, (opts as Record<string, unknown>)[k], known);
  }
  return opts;
}
