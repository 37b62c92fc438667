/**
 * Tensor printing as PyTorch 1.13 prints (torch/_tensor_str.py, default print options): 4 decimals,
 * scientific notation when the non-zero finite magnitudes span more than 1000x, exceed 1e8 or go
 * below 1e-4, integral values as `1.`, every value right-aligned to one width, lines wrapped at 80
 * columns, and tensors of more than 1000 elements summarised with `...` (3 items at each edge).
 */

const PRECISION = 4;
const LINE_WIDTH = 80;
const THRESHOLD = 1000;
const EDGE = 3;

/**
 * A value with `digits` decimals in fixed ('f') or scientific ('e') notation as Python formats it:
 * an exact tie rounds to the even digit (JS's toFixed/toExponential round it up), and -0 keeps its
 * sign. Float32 values have few enough significant digits for 40 more to show every one.
 */
function decimal(v: number, digits: number, kind: 'f' | 'e'): string {
  const a = Math.abs(v);
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const long = kind === 'f' ? a.toFixed(Math.min(100, digits + 40)) : a.toExponential(Math.min(100, digits + 40));
  const point = long.indexOf('.');
  const cut = (point < 0 ? long.length : point + 1 + digits) - (digits === 0 ? 1 : 0);
  const rest = long.slice(cut).replace(/e.*$/, '').replace('.', '');
  const last = long[cut - 1];
  let out: string;
  if (/^50*$/.test(rest) && last !== undefined && Number(last) % 2 === 0) {
    out = long.slice(0, cut) + (kind === 'e' ? long.slice(long.indexOf('e')) : '');
    if (digits === 0 && out.endsWith('.')) out = out.slice(0, -1);
  } else {
    out = kind === 'f' ? a.toFixed(digits) : a.toExponential(digits);
  }
  return sign + out;
}

/** Python's '{:.4e}' (a two-digit exponent at least), 'nan', 'inf'. */
function sci(v: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const [m, e] = decimal(v, PRECISION, 'e').split('e');
  const sign = e[0] === '-' ? '-' : '+';
  const digits = e.replace(/^[+-]/, '');
  return `${m}e${sign}${digits.padStart(2, '0')}`;
}
function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

interface Formatter {
  width: number;
  format(v: number): string;
}

/** PyTorch's _Formatter for a floating tensor, over the values that will be printed. */
function formatter(values: ArrayLike<number>): Formatter {
  let intMode = true;
  let sciMode = false;
  let width = 1;
  let min = Infinity;
  let max = 0;
  let any = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v === 0) continue;
    any = true;
    const a = Math.abs(v);
    if (a < min) min = a;
    if (a > max) max = a;
    if (v !== Math.ceil(v)) intMode = false;
  }
  if (any) {
    sciMode = intMode ? max / min > 1000 || max > 1e8 : max / min > 1000 || max > 1e8 || min < 1e-4;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v) || v === 0) continue;
      const s = sciMode ? sci(v) : intMode ? `${decimal(v, 0, 'f')}.` : decimal(v, PRECISION, 'f');
      if (s.length > width) width = s.length;
    }
  }
  return {
    width,
    format(v: number): string {
      let s: string;
      if (sciMode) s = sci(v);
      else if (!Number.isFinite(v)) s = nonFinite(v);
      else if (intMode) s = `${decimal(v, 0, 'f')}.`;
      else s = decimal(v, PRECISION, 'f');
      return s.padStart(width);
    },
  };
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** The indices of one dimension that are printed (all, or the edges when summarising). */
function shown(n: number, summarize: boolean): (number | null)[] {
  if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

/** Every value that is printed, for the formatter (PyTorch's get_summarized_data). */
function printedValues(data: Float32Array, shape: readonly number[], summarize: boolean): number[] {
  const strides = stridesOf(shape);
  const out: number[] = [];
  const walk = (d: number, offset: number): void => {
    if (d === shape.length) {
      out.push(data[offset]);
      return;
    }
    for (const i of shown(shape[d], summarize)) if (i !== null) walk(d + 1, offset + i * strides[d]);
  };
  walk(0, 0);
  return out;
}

/** The body of `tensor(…)`: nested brackets of formatted values, as PyTorch lays them out. */
export function formatData(data: Float32Array, shape: readonly number[]): string {
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 0) return formatter([data[0]]).format(data[0]);
  if (size === 0) return '[]';
  const summarize = size > THRESHOLD;
  const fmt = formatter(printedValues(data, shape, summarize));
  const strides = stridesOf(shape);
  const indent0 = 'tensor('.length;
  const str = (d: number, offset: number, indent: number): string => {
    const items = shown(shape[d], summarize);
    if (d === shape.length - 1) {
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (fmt.width + 2)));
      const cells = items.map((i) => (i === null ? ' ...' : fmt.format(data[offset + i * strides[d]])));
      const lines: string[] = [];
      for (let i = 0; i < cells.length; i += perLine) lines.push(cells.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
    }
    const rest = shape.length - d;
    const slices = items.map((i) => (i === null ? '...' : str(d + 1, offset + i * strides[d], indent + 1)));
    return `[${slices.join(`,${'\n'.repeat(rest - 1)}${' '.repeat(indent + 1)}`)}]`;
  };
  return str(0, 0, indent0);
}
