/**
 * Bad calls get an Error that names the function, the argument and the shapes involved, never a
 * crash: a battery of wrong calls at the public API (each message checked for its key fragments),
 * the raw native functions called with buffers too small for the sizes they are given, and an
 * allocation that fails for real (in a child process with a limited address space).
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as ng from '../lib';
import { native } from '../lib/native';

type Case = [kind: string, call: () => unknown, fragments: (string | RegExp)[]];

/** Runs `call`, expects an Error whose message contains every fragment; returns the message. */
function expectError(kind: string, call: () => unknown, fragments: (string | RegExp)[]): string {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught, `${kind}: did not throw`).to.be.instanceOf(Error);
  const msg = (caught as Error).message;
  for (const f of fragments) {
    if (typeof f === 'string') expect(msg, `${kind}: message`).to.include(f);
    else expect(msg, `${kind}: message`).to.match(f);
  }
  return msg;
}

const x23 = (): ng.Tensor => ng.ones([2, 3]);
const disposed = (): ng.Tensor => {
  const t = ng.ones([4, 2]);
  t.dispose();
  return t;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const any = (v: unknown): any => v;

const API_CASES: Case[] = [
  // shapes that do not fit
  ['broadcast mismatch names both shapes', () => ng.add(x23(), ng.ones([4])), ['ng.add', '[2, 3]', '[4]', 'cannot be broadcast']],
  ['broadcast mismatch in mul (3-D)', () => ng.mul(ng.ones([2, 3, 4]), ng.ones([3, 3, 1])), ['ng.mul', '[2, 3, 4]', '[3, 3, 1]']],
  ['matmul inner sizes differ', () => ng.matmul(x23(), ng.ones([4, 5])), ['ng.matmul', '[2, 3]', '[4, 5]', 'a has 3 columns, b has 4 rows']],
  ['matmul of a 1-D tensor', () => ng.matmul(ng.ones([3]), x23()), ['ng.matmul', "argument 'a'", '2-D', '[3]']],
  ['matmul of a 3-D tensor', () => ng.matmul(x23(), ng.ones([3, 2, 2])), ['ng.matmul', "argument 'b'", '2-D', '[3, 2, 2]']],
  ['transpose of a 3-D tensor', () => ng.transpose(ng.zeros([1, 2, 3])), ['ng.transpose', "argument 'x'", '2-D', '[1, 2, 3]']],
  ['transpose with bad axes', () => x23().transpose(0, 0), ['ng.transpose', "'dim0', 'dim1'", 'got 0 and 0']],
  ['reshape to another size', () => x23().reshape([4, 2]), ['ng.reshape', '[2, 3]', '6 elements', '[4, 2]', '8 elements']],
  ['reshape with −1 that cannot divide', () => x23().reshape([4, -1]), ['ng.reshape', '[2, 3]', '[4, -1]']],
  ['reshape with two −1', () => x23().reshape([-1, -1]), ['ng.reshape', '[-1, -1]', 'at most one']],
  ['reshape with a shape that is not an array', () => ng.reshape(x23(), any(6)), ['ng.reshape', "argument 'shape'", 'got 6']],
  // data and shape
  ['data length does not match the shape', () => ng.tensor([1, 2, 3], [2, 2]), ['ng.tensor', '3 values', '[2, 2]', '4 elements']],
  ['new Tensor with a buffer of the wrong length', () => new ng.Tensor(new Float32Array(3), [2, 2]), ['new Tensor', '3 elements', '[2, 2]', 'needs 4']],
  ['new Tensor with a plain array', () => new ng.Tensor(any([1, 2]), [2]), ['new Tensor', "argument 'data'", 'Float32Array', 'array of length 2']],
  ['negative dimension', () => ng.zeros([-1, 2]), ['ng.zeros', "argument 'shape'", 'non-negative integers', 'dimension 0 of [-1, 2] is -1']],
  ['fractional dimension', () => ng.ones([2, 1.5]), ['ng.ones', 'dimension 1 of [2, 1.5] is 1.5']],
  ['NaN dimension', () => ng.randn([NaN]), ['ng.randn', 'is NaN']],
  ['Infinity dimension', () => ng.rand([3, Infinity]), ['ng.rand', 'is Infinity']],
  ['non-numeric dimension', () => ng.zeros(any([2, '3'])), ['ng.zeros', 'dimension 1 of [2, string] is string']],
  ['shape is not an array', () => ng.zeros(any(3)), ['ng.zeros', "argument 'shape'", 'got 3']],
  ['size above MAX_TENSOR_ELEMENTS', () => ng.zeros([65536, 65536]), ['ng.zeros', '[65536, 65536]', '4294967296 elements', 'MAX_TENSOR_ELEMENTS']],
  ['size above MAX_TENSOR_ELEMENTS through ng.tensor', () => ng.tensor([1], [2 ** 31]), ['ng.tensor', '2147483648 elements', 'limit']],
  ['rank above MAX_RANK', () => ng.zeros(new Array(33).fill(1)), ['ng.zeros', 'rank 33', 'limit is 32']],
  ['nested deeper than MAX_RANK', () => ng.tensor(any(Array.from({ length: 40 }).reduce((v) => [v], [1]))), ['ng.tensor', 'deeper than 32']],
  ['non-numeric data', () => ng.tensor(any(['a'])), ['ng.tensor', "'values[0]'", 'a number', 'the string "a"']],
  [
    'non-numeric data deep inside',
    () =>
      ng.tensor(
        any([
          [1, 2],
          [3, null],
        ]),
      ),
    ['ng.tensor', "'values[1][1]'", 'got null'],
  ],
  ['ragged nested arrays', () => ng.tensor(any([[1, 2], [3]])), ['ng.tensor', 'ragged', 'values[1]', 'length 2', 'got length 1']],
  ['ragged: a number where an array belongs', () => ng.tensor(any([[1, 2], 3])), ['ng.tensor', 'ragged', 'got number']],
  ['values of the wrong type', () => ng.tensor(any({ a: 1 })), ['ng.tensor', "argument 'values'", 'got an object']],
  ['BigInt data', () => ng.tensor(any(new BigInt64Array(2))), ['ng.tensor', 'BigInt']],
  ['tensor options not an object', () => ng.tensor([1], undefined, any(5)), ['ng.tensor', "argument 'opts'", 'got 5']],
  ['full with a non-number value', () => ng.full([2], any('1')), ['ng.full', "argument 'value'", 'the string "1"']],
  // wrong argument types for ops
  ['add with a string', () => ng.add(x23(), any('a')), ['ng.add', "argument 'b'", 'a Tensor or a number', 'the string "a"']],
  ['sub with an array', () => ng.sub(any([1, 2]), x23()), ['ng.sub', "argument 'a'", 'array of length 2']],
  ['matmul with an array', () => ng.matmul(x23(), any([[1], [2], [3]])), ['ng.matmul', "argument 'b'", 'a Tensor']],
  ['unary op with undefined', () => ng.exp(any(undefined)), ['ng.exp', "argument 'x'", 'got undefined']],
  ['pow with a string exponent', () => x23().pow(any('2')), ['ng.pow', "argument 'exponent'", 'finite number']],
  ['pow with NaN', () => x23().pow(NaN), ['ng.pow', "argument 'exponent'", 'got NaN']],
  // axes
  ['reduction over a missing axis', () => x23().sum(2), ['ng.sum', 'axis 2', 'out of range', '[2, 3]', '-2 … 1']],
  ['reduction over a missing negative axis', () => x23().mean(-3), ['ng.mean', 'axis -3', '[2, 3]']],
  ['reduction over a fractional axis', () => x23().sum(0.5), ['ng.sum', "argument 'axis'", 'integer', 'got 0.5']],
  ['reduction of a 0-d tensor along an axis', () => ng.tensor(1).sum(0), ['ng.sum', 'axis 0', 'it is 0-d']],
  ['softmax over a missing axis', () => x23().softmax(5), ['ng.softmax', 'axis 5', '[2, 3]']],
  ['logSoftmax with a string axis', () => ng.logSoftmax(x23(), any('1')), ['ng.logSoftmax', "argument 'axis'", 'the string "1"']],
  // disposed tensors
  ['a disposed tensor in an op', () => ng.exp(disposed()), ['ng.exp', "argument 'x'", 'disposed', '[4, 2]']],
  ['a disposed tensor in matmul', () => ng.matmul(disposed(), x23()), ['ng.matmul', "argument 'a'", 'disposed']],
  ['data of a disposed tensor', () => disposed().data, ['disposed', '[4, 2]']],
  // backward
  [
    'backward on a non-scalar without a gradient',
    () => ng.mul(ng.ones([2], { requiresGrad: true }), 2).backward(),
    ['Tensor.backward', 'scalar', 'shape [2]', 'Pass a gradient'],
  ],
  [
    'backward with a gradient of the wrong shape',
    () => ng.mul(ng.ones([2], { requiresGrad: true }), 2).backward(ng.ones([3])),
    ['Tensor.backward', '[3]', '[2]'],
  ],
  [
    'backward with a gradient that is not a tensor',
    () => ng.mul(ng.ones([2], { requiresGrad: true }), 2).backward(any([1, 1])),
    ['Tensor.backward', "argument 'grad'", 'a Tensor'],
  ],
  ['backward on a tensor without a graph', () => ng.ones([1]).backward(), ['Tensor.backward', 'does not require grad']],
  [
    'backward twice through a freed graph',
    () => {
      const a = ng.ones([2], { requiresGrad: true });
      const l = a.mul(a).sum();
      l.backward();
      l.backward();
    },
    ['Tensor.backward', 'already freed', 'retainGraph'],
  ],
  ['item of a many-element tensor', () => x23().item(), ['Tensor.item', 'one-element', '[2, 3]']],
  // library settings
  ['setNumThreads(0)', () => ng.setNumThreads(0), ['ng.setNumThreads', "argument 'n'", 'got 0']],
  ['setNumThreads(1.5)', () => ng.setNumThreads(1.5), ['ng.setNumThreads', 'integer', 'got 1.5']],
  ['setNumThreads("2")', () => ng.setNumThreads(any('2')), ['ng.setNumThreads', 'the string "2"']],
  ['manualSeed(1.5)', () => ng.manualSeed(1.5), ['ng.manualSeed', "argument 'seed'", 'got 1.5']],
  ['manualSeed(NaN)', () => ng.manualSeed(NaN), ['ng.manualSeed', 'got NaN']],
  ['manualSeed of a string', () => ng.manualSeed(any('42')), ['ng.manualSeed', 'the string "42"']],
  ['manualSeed above 2^53 as a number', () => ng.manualSeed(2 ** 60), ['ng.manualSeed', 'safe integer or a BigInt']],
  ['setRngState with an array', () => ng.setRngState(any([1, 2])), ['ng.setRngState', "argument 'state'", 'Uint32Array of 8 words']],
  ['arange with step 0', () => ng.arange(0, 5, 0), ['ng.arange', "'step'", 'non-zero']],
  ['arange(NaN)', () => ng.arange(NaN), ['ng.arange', "argument 'n'", 'got NaN']],
  ['gradcheck with a non-function', () => ng.gradcheck(any(3), [x23()]), ['ng.gradcheck', "argument 'fn'", 'got 3']],
  ['gradcheck with a non-tensor input', () => ng.gradcheck((t) => t, any([1])), ['ng.gradcheck', "argument 'inputs[0]'", 'got 1']],
];

// The raw addon, called with buffers that do not match the sizes it is given: it must throw.
const F = (n: number): Float32Array => new Float32Array(n);
const I = (a: number[]): Int32Array => Int32Array.from(a);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const raw = native as any;
const NATIVE_CASES: Case[] = [
  ['sgemm with a too-small out', () => raw.sgemm(F(3), F(6), F(6), 2, 3, 2, false, false, 1, 0), ["'out' has 3 elements", 'needs 4']],
  ['sgemm with a too-small a', () => raw.sgemm(F(4), F(5), F(6), 2, 3, 2, false, false, 1, 0), ["'a' has 5 elements", 'needs 6']],
  ['sgemm with a too-small b (transposed)', () => raw.sgemm(F(4), F(6), F(5), 2, 3, 2, false, true, 1, 0), ["'b' has 5"]],
  ['sgemm with a Float64Array', () => raw.sgemm(F(4), new Float64Array(6), F(6), 2, 3, 2, false, false, 1, 0), ["'a' must be a Float32Array"]],
  ['sgemm with a negative size', () => raw.sgemm(F(4), F(6), F(6), -2, 3, 2, false, false, 1, 0), ["'M'", 'non-negative integer']],
  ['sgemm with a size above 2^31', () => raw.sgemm(F(4), F(6), F(6), 2 ** 40, 3, 2, false, false, 1, 0), ['above 2^31']],
  ['sgemm without arguments', () => raw.sgemm(), ['must be']],
  [
    'sgemm on a detached buffer',
    () => {
      const a = F(6);
      raw.detach(a);
      raw.sgemm(F(4), a, F(6), 2, 3, 2, false, false, 1, 0);
    },
    ["'a' has 0 elements"],
  ],
  ['matmulBackward with a too-small da', () => raw.matmulBackward(F(1), null, F(4), F(6), F(6), 2, 3, 2), ["'da' has 1"]],
  ['matmulBackward with a too-small dout', () => raw.matmulBackward(F(6), F(6), F(3), F(6), F(6), 2, 3, 2), ["'dout' has 3"]],
  ['binaryForward with operands of different lengths', () => raw.binaryForward(0, F(4), F(3), F(4)), ['operand lengths 3 and 4']],
  ['binaryForward with an unknown op', () => raw.binaryForward(9, F(4), F(4), F(4)), ['unknown op code']],
  ['binaryForward with strides past an operand', () => raw.binaryForward(0, F(6), F(6), F(3), I([2, 3]), I([3, 1]), I([3, 1])), ['strides reach past']],
  ['binaryForward with a broadcast shape larger than out', () => raw.binaryForward(0, F(2), F(6), F(3), I([2, 3]), I([3, 1]), I([0, 1])), ['out is too small']],
  ['binaryForward with a negative broadcast shape', () => raw.binaryForward(0, F(6), F(6), F(3), I([-2, 3]), I([3, 1]), I([0, 1])), ['negative broadcast']],
  ['binaryForward with short stride arrays', () => raw.binaryForward(0, F(6), F(6), F(3), I([2, 3]), I([3]), I([0, 1])), ["'stridesA' has 1"]],
  ['binaryBackward with a too-small da', () => raw.binaryBackward(0, F(1), F(4), F(4), F(4), F(4)), ["'da' has 1"]],
  ['unaryForward with a too-small out', () => raw.unaryForward(1, F(2), F(4), 0), ["'out' has 2"]],
  ['unaryBackward with a too-small dout', () => raw.unaryBackward(1, F(4), F(3), F(4), F(4), 0), ["'dout' has 3"]],
  ['sumForward with a too-small x', () => raw.sumForward(F(2), F(5), 2, 3, 1, 1), ["'x' has 5", 'needs 6']],
  ['sumForward with sizes whose product overflows', () => raw.sumForward(F(1), F(6), 2 ** 40, 2 ** 40, 1, 1), ['size overflow']],
  ['sumBackward with a too-small dx', () => raw.sumBackward(F(5), F(2), 2, 3, 1, 1), ["'dx' has 5"]],
  ['softmaxForward with a too-small x', () => raw.softmaxForward(F(6), F(5), 2, 3, 1, false), ["'x' has 5"]],
  ['softmaxBackward with a too-small y', () => raw.softmaxBackward(F(6), F(6), F(5), 2, 3, 1, true), ["'y' has 5"]],
  ['transposeForward with a too-small a', () => raw.transposeForward(F(6), F(5), 2, 3), ["'a' has 5"]],
  ['axpy with a too-small dst', () => raw.axpy(F(2), F(3), 1), ["'dst' has 2"]],
  ['detach of a number', () => raw.detach(3), ['detach expects']],
  ['rngUniform into a plain array', () => raw.rngUniform([1, 2], 0, 1), ["'out' must be a Float32Array"]],
  ['rngPermutation into a Float32Array', () => raw.rngPermutation(F(3)), ["'out' must be an Int32Array"]],
  ['rngSetState with 3 words', () => raw.rngSetState(new Uint32Array(3)), ['Uint32Array of 8 words']],
];

describe('errors: bad calls throw useful Errors and never crash', () => {
  it(`the API: ${API_CASES.length} kinds of bad call`, () => {
    expect(API_CASES.length).to.be.at.least(25);
    const seen = new Set<string>();
    for (const [kind, call, fragments] of API_CASES) {
      const msg = expectError(kind, call, fragments);
      expect(seen.has(msg), `${kind}: same message as another case`).to.equal(false);
      seen.add(msg);
    }
  });

  it('argument errors are TypeErrors, range and shape errors RangeErrors', () => {
    expect(() => ng.add(x23(), ng.ones([4]))).to.throw(RangeError);
    expect(() => ng.zeros(any('3'))).to.throw(TypeError);
    expect(() => ng.setNumThreads(0)).to.throw(RangeError);
    expect(() => ng.tensor(any(['a']))).to.throw(TypeError);
  });

  it(`the raw native functions re-check sizes: ${NATIVE_CASES.length} mismatched calls`, () => {
    for (const [kind, call, fragments] of NATIVE_CASES) expectError(kind, call, ['nativegrad (native)', ...fragments]);
  });

  it('a failed op leaves no trace: its inputs are intact and usable', () => {
    const a = ng.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      undefined,
      { requiresGrad: true },
    );
    expect(() => ng.add(a, ng.ones([4]))).to.throw();
    expect(() => ng.matmul(a, a)).to.throw();
    ng.sum(ng.mul(a, a)).backward();
    expect(a.grad!.toArray()).to.deep.equal([
      [2, 4, 6],
      [8, 10, 12],
    ]);
  });

  it('an allocation that fails for real throws a RangeError naming the size (child with a 3 GB address space)', function () {
    this.timeout(20000);
    if (process.env.NATIVEGRAD_SANITIZE) {
      // ASan reserves terabytes of shadow memory at start-up: a child under `ulimit -v` cannot start
      console.log('      skipped under the sanitizer build: ASan needs more address space than `ulimit -v 3000000` allows');
      this.skip();
    }
    const root = path.resolve(__dirname, '..', '..');
    const script = [
      "const ng = require('./dist/lib');",
      'console.log("started");',
      'let msg = "no error";',
      'try { ng.zeros([2 ** 29]); } catch (e) { msg = e.constructor.name + ": " + e.message; }',
      'console.log(msg);',
      'console.log("alive", ng.add(ng.ones([2]), 1).toArray().join(","));',
    ].join('\n');
    const r = spawnSync('bash', ['-c', 'ulimit -v 3000000 && exec "$0" -e "$1"', process.execPath, script], { cwd: root, encoding: 'utf8' });
    // a Node build that reserves more address space at start-up cannot run under this limit at all
    if (!(r.stdout ?? '').includes('started')) this.skip();
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/RangeError: ng\.zeros: cannot allocate a tensor of 536870912 elements \(2\.00 GiB\)/);
    expect(r.stdout).to.include('alive 2,2');
  });

  it('the process is still alive and computing afterwards', () => {
    const y = ng.matmul(ng.ones([2, 3]), ng.ones([3, 2]));
    expect(y.toArray()).to.deep.equal([
      [3, 3],
      [3, 3],
    ]);
  });
});
