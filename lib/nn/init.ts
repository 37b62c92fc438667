/**
 * ng.nn.init: initialisers that fill a tensor in place (and return it), drawing from the library's
 * generator, so `ng.manualSeed(s)` before building a network gives the same weights every run.
 * Names and formulas follow torch.nn.init.
 *
 * Fans, as PyTorch's _calculate_fan_in_and_fan_out, for a tensor of at least 2 dimensions
 * [out, in, k1, k2, …]: receptive = k1·k2·…, fan_in = in·receptive, fan_out = out·receptive.
 * A Linear weight [out, in] has fan_in = in, fan_out = out.
 */
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { argError, checkNumber, checkOptions, rangeError, shapeStr } from '../errors';

export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/**
 * The recommended gain for a nonlinearity (PyTorch's calculate_gain): 1 for linear/identity/conv
 * and sigmoid, 5/3 for tanh, √2 for relu, √(2/(1 + slope²)) for leaky_relu (slope `param`,
 * default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const fn = 'ng.nn.init.calculateGain';
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param === undefined ? 0.01 : checkNumber(fn, 'param', param);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw argError(fn, 'nonlinearity', "one of 'linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu', 'conv1d', …", nonlinearity);
  }
}

/** [fan_in, fan_out] of a tensor of at least 2 dimensions (see the file comment). */
export function calculateFans(t: Tensor, fn = 'ng.nn.init.calculateFans'): [number, number] {
  checkTensor(fn, 'tensor', t);
  if (t.ndim < 2) throw rangeError(fn, `fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${shapeStr(t.shape)})`);
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fanOf(fn: string, t: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') throw argError(fn, 'mode', "'fan_in' or 'fan_out'", mode);
  const [fin, fout] = calculateFans(t, fn);
  return mode === 'fan_in' ? fin : fout;
}

/** U(a, b) in place (every value in [a, b)). */
export function uniform(t: Tensor, a = 0, b = 1): Tensor {
  const fn = 'ng.nn.init.uniform';
  checkTensor(fn, 'tensor', t);
  checkNumber(fn, 'a', a);
  checkNumber(fn, 'b', b);
  if (a > b) throw rangeError(fn, `a = ${a} must not exceed b = ${b}`);
  native.rngUniform(t.data, a, b);
  return t;
}

/** N(mean, std²) in place. */
export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  const fn = 'ng.nn.init.normal';
  checkTensor(fn, 'tensor', t);
  checkNumber(fn, 'mean', mean);
  checkNumber(fn, 'std', std, { min: 0 });
  native.rngNormal(t.data, mean, std);
  return t;
}

/** Fills with `value`. */
export function constant(t: Tensor, value: number): Tensor {
  checkTensor('ng.nn.init.constant', 'tensor', t);
  checkNumber('ng.nn.init.constant', 'value', value);
  t.data.fill(value);
  return t;
}
/** Fills with 0. */
export function zeros(t: Tensor): Tensor {
  checkTensor('ng.nn.init.zeros', 'tensor', t);
  t.data.fill(0);
  return t;
}
/** Fills with 1. */
export function ones(t: Tensor): Tensor {
  checkTensor('ng.nn.init.ones', 'tensor', t);
  t.data.fill(1);
  return t;
}

/** Glorot/Xavier uniform: U(−a, a), a = gain·√(6/(fan_in + fan_out)); variance gain²·2/(fan_in + fan_out). */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  const fn = 'ng.nn.init.xavierUniform';
  checkNumber(fn, 'gain', gain);
  const [fin, fout] = calculateFans(t, fn);
  const a = gain * Math.sqrt(6 / (fin + fout));
  native.rngUniform(t.data, -a, a);
  return t;
}

/** Glorot/Xavier normal: N(0, σ²), σ = gain·√(2/(fan_in + fan_out)). */
export function xavierNormal(t: Tensor, gain = 1): Tensor {
  const fn = 'ng.nn.init.xavierNormal';
  checkNumber(fn, 'gain', gain);
  const [fin, fout] = calculateFans(t, fn);
  native.rngNormal(t.data, 0, Math.abs(gain) * Math.sqrt(2 / (fin + fout)));
  return t;
}

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (only used with 'leaky_relu'); default 0. */
  a?: number;
  /** 'fan_in' (default) keeps the forward variance, 'fan_out' the backward one. */
  mode?: FanMode;
  /** Default 'leaky_relu' (with a = 0 that is ReLU's gain √2), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(fn: string, t: Tensor, opts: KaimingOptions | undefined): number {
  const o = checkOptions(fn, opts, ['a', 'mode', 'nonlinearity'], "{ a: 0, mode: 'fan_in', nonlinearity: 'leaky_relu' }");
  const a = checkNumber(fn, 'a', o.a ?? 0);
  const fan = fanOf(fn, t, o.mode ?? 'fan_in');
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', a);
  return fan === 0 ? 0 : gain / Math.sqrt(fan); // PyTorch warns and leaves a zero-element tensor alone
}

/**
 * He/Kaiming uniform: U(−bound, bound), bound = gain·√(3/fan), gain = calculateGain(nonlinearity, a).
 * PyTorch's defaults: a = 0, mode 'fan_in', nonlinearity 'leaky_relu' → bound = √(6/fan_in).
 */
export function kaimingUniform(t: Tensor, opts?: KaimingOptions): Tensor {
  const fn = 'ng.nn.init.kaimingUniform';
  const bound = Math.sqrt(3) * kaimingStd(fn, t, opts);
  native.rngUniform(t.data, -bound, bound);
  return t;
}

/** He/Kaiming normal: N(0, σ²), σ = gain/√fan (defaults as kaimingUniform: σ = √(2/fan_in)). */
export function kaimingNormal(t: Tensor, opts?: KaimingOptions): Tensor {
  const fn = 'ng.nn.init.kaimingNormal';
  native.rngNormal(t.data, 0, kaimingStd(fn, t, opts));
  return t;
}

/**
 * LeCun normal: N(0, 1/fan_in) — the plain (untruncated) normal of LeCun et al. 1998 and of the
 * lecture. PyTorch has no lecun_normal; JAX/Keras draw from a normal truncated at 2σ and rescaled
 * to the same variance, which this does not do.
 */
export function lecunNormal(t: Tensor): Tensor {
  const fn = 'ng.nn.init.lecunNormal';
  const [fin] = calculateFans(t, fn);
  native.rngNormal(t.data, 0, fin === 0 ? 0 : 1 / Math.sqrt(fin));
  return t;
}
