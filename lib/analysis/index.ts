/**
 * `ng.analysis`: the optimisation course's theory as tools — quadratic convergence (eigenvalues,
 * condition number, optimal learning rate and rate), Hessians and critical points, curvature of
 * real networks by Hessian-vector products, and the lecture's pictures.
 */
export { eigh, solveSymmetric } from '../linalg';
export { quadratic, leastSquares } from './quadratic';
export type { Quadratic } from './quadratic';
export { hessian, curvature, classifyCriticalPoint, flatGradient, HESSIAN_MAX_PARAMS } from './hessian';
export type { Curvature, CriticalPoint } from './hessian';
export { contourPlot, convergencePlot } from './plots';
export type { Trajectory } from './plots';
