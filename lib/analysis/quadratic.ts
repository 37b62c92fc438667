/**
 * Convergence theory of gradient descent on a quadratic, as numbers you can print and plot.
 *
 *   L(w) = ½ wᵀAw − bᵀw  (+ c),   ∇L = Aw − b,   Hessian = A (symmetric positive definite)
 *   minimiser          w* = A⁻¹b
 *   eigenvalues        0 < λmin ≤ … ≤ λmax of A;  condition number κ = λmax / λmin
 *   gradient descent   w ← w − η(Aw − b)  ⇒  w_t − w* = (I − ηA)ᵗ (w_0 − w*)
 *                      it converges iff |1 − ηλ| < 1 for every λ, i.e. η < 2/λmax (maxStableLr)
 *   best fixed step    η* = 2/(λmin + λmax) minimises max_λ |1 − ηλ|      (optimalLr)
 *   its rate           max |1 − η*λ| = (κ − 1)/(κ + 1): the error shrinks by this factor per step (optimalRate)
 * Newton's method, w ← w − A⁻¹(Aw − b), lands on w* in one step from anywhere.
 */
import { Tensor, checkTensor } from '../tensor';
import { argError, checkNumber, rangeError, shapeError, shapeStr } from '../errors';
import { eigh, solveSymmetric } from '../linalg';

export interface Quadratic {
  A: Tensor;
  b: Tensor;
  /** the minimiser A⁻¹b */
  wStar: number[];
  /** eigenvalues of A, ascending */
  eigenvalues: number[];
  /** eigenvectors of A as columns: eigenvectors[i][k] is component i of the k-th vector */
  eigenvectors: number[][];
  conditionNumber: number;
  /** 2/(λmin + λmax) */
  optimalLr: number;
  /** (κ − 1)/(κ + 1) */
  optimalRate: number;
  /** 2/λmax: any larger fixed learning rate diverges */
  maxStableLr: number;
  /** L(w) = ½wᵀAw − bᵀw (+ c when given) */
  loss(w: number[]): number;
  /** ∇L(w) = Aw − b */
  gradient(w: number[]): number[];
  /** the iterates w1 … w_steps of w ← w − lr·(Aw − b) (w0 not included) */
  gradientDescent(w0: number[], lr: number, steps: number): number[][];
  /** the iterates of heavy-ball momentum m ← αm − η∇L(w), w ← w + m (the lecture's form) */
  momentum(w0: number[], lr: number, alpha: number, steps: number): number[][];
  /** one Newton step from w0: w0 − A⁻¹∇L(w0) (= w* for a quadratic) */
  newtonStep(w0: number[]): number[];
}

function matrixRows(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

/** Builds the analysis of L(w) = ½wᵀAw − bᵀw + c. Throws if A is not symmetric positive definite. */
export function quadratic(A: Tensor, b: Tensor, c = 0): Quadratic {
  const fn = 'ng.analysis.quadratic';
  checkTensor(fn, 'A', A);
  checkTensor(fn, 'b', b);
  if (A.ndim !== 2 || A.shape[0] !== A.shape[1]) throw argError(fn, 'A', 'a square 2-D Tensor [n, n]', A);
  const n = A.shape[0];
  if (n === 0) throw argError(fn, 'A', 'a non-empty matrix', A);
  if (b.size !== n || b.ndim > 2) throw shapeError(fn, `b has shape ${shapeStr(b.shape)} but A is ${shapeStr(A.shape)}: b needs ${n} elements`);
  const a = matrixRows(A);
  let scale = 0;
  for (const row of a) for (const v of row) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (Math.abs(a[i][j] - a[j][i]) > 1e-6 * scale)
        throw rangeError(fn, `A is not symmetric: A[${i}][${j}] = ${a[i][j]} but A[${j}][${i}] = ${a[j][i]} (a Hessian is symmetric; use (A + Aᵀ)/2)`);
  const { values, vectors } = eigh(A);
  const lam = Array.from(values.data);
  if (!(lam[0] > 0))
    throw rangeError(
      fn,
      `A is not positive definite: its smallest eigenvalue is ${lam[0]} (all must be > 0 for a unique minimum; ` +
        `use ng.analysis.classifyCriticalPoint to see what kind of point it is)`,
    );
  const bv = Array.from(b.data);
  const wStar = Array.from(solveSymmetric(A, new Tensor(new Float32Array(bv), [n])).data);
  const lmin = lam[0];
  const lmax = lam[n - 1];
  const kappa = lmax / lmin;
  const Aw = (w: number[]): number[] => a.map((row) => row.reduce((s, v, j) => s + v * w[j], 0));
  const checkW = (what: string, w: unknown): number[] => {
    if (!Array.isArray(w) || w.length !== n || w.some((v) => typeof v !== 'number')) throw argError(`Quadratic.${what}`, 'w', `an array of ${n} numbers`, w);
    return w as number[];
  };
  const grad = (w: number[]): number[] => Aw(w).map((v, i) => v - bv[i]);
  const q: Quadratic = {
    A,
    b,
    wStar,
    eigenvalues: lam,
    eigenvectors: matrixRows(vectors),
    conditionNumber: kappa,
    optimalLr: 2 / (lmin + lmax),
    optimalRate: (kappa - 1) / (kappa + 1),
    maxStableLr: 2 / lmax,
    loss(w) {
      checkW('loss', w);
      const Awv = Aw(w);
      return 0.5 * w.reduce((s, v, i) => s + v * Awv[i], 0) - w.reduce((s, v, i) => s + v * bv[i], 0) + c;
    },
    gradient(w) {
      return grad(checkW('gradient', w));
    },
    gradientDescent(w0, lr, steps) {
      let w = checkW('gradientDescent', w0).slice();
      checkNumber('Quadratic.gradientDescent', 'lr', lr, { min: 0 });
      checkNumber('Quadratic.gradientDescent', 'steps', steps, { integer: true, min: 0 });
      const out: number[][] = [];
      for (let t = 0; t < steps; t++) {
        const g = grad(w);
        w = w.map((v, i) => v - lr * g[i]);
        out.push(w);
      }
      return out;
    },
    momentum(w0, lr, alpha, steps) {
      let w = checkW('momentum', w0).slice();
      checkNumber('Quadratic.momentum', 'lr', lr, { min: 0 });
      checkNumber('Quadratic.momentum', 'alpha', alpha, { min: 0, max: 1 });
      checkNumber('Quadratic.momentum', 'steps', steps, { integer: true, min: 0 });
      let m = new Array<number>(n).fill(0);
      const out: number[][] = [];
      for (let t = 0; t < steps; t++) {
        const g = grad(w);
        m = m.map((v, i) => alpha * v - lr * g[i]);
        w = w.map((v, i) => v + m[i]);
        out.push(w);
      }
      return out;
    },
    newtonStep(w0) {
      const w = checkW('newtonStep', w0);
      const step = Array.from(solveSymmetric(A, new Tensor(Float32Array.from(grad(w)), [n])).data);
      return w.map((v, i) => v - step[i]);
    },
  };
  return q;
}

/**
 * The quadratic of least squares on data: L(w) = ½‖Xw − y‖² = ½wᵀ(XᵀX)w − (Xᵀy)ᵀw + ½yᵀy,
 * so A = XᵀX, b = Xᵀy, c = ½‖y‖² (the lecture's form, without a 1/N).
 */
export function leastSquares(X: Tensor, y: Tensor): Quadratic {
  const fn = 'ng.analysis.leastSquares';
  checkTensor(fn, 'X', X);
  checkTensor(fn, 'y', y);
  if (X.ndim !== 2) throw argError(fn, 'X', 'a 2-D Tensor [N, d]', X);
  if (y.size !== X.shape[0]) throw shapeError(fn, `X has shape ${shapeStr(X.shape)} (N = ${X.shape[0]}) but y has ${y.size} values`);
  const yc = y.reshape([X.shape[0], 1]);
  const Xt = X.transpose();
  const A = Xt.matmul(X);
  const b = Xt.matmul(yc).reshape([X.shape[1]]);
  let c = 0;
  for (const v of y.data) c += 0.5 * v * v;
  return quadratic(A, b, c);
}
