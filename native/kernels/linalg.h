// Dense symmetric linear algebra through LAPACK (the copy inside OpenBLAS), in float or double.
// Matrices are row-major; a symmetric input is read from its lower triangle (row i, columns 0..i)
// and the strict upper triangle is ignored, as torch.linalg.eigh(UPLO='L') does.
//
//   eigh:          a [n, n] = V diag(values) Vᵀ;  values [n] ascending, vectors [n, n] with column j
//                  the unit eigenvector of values[j]  (LAPACK ?syevd, divide and conquer)
//   solve_sym:     x [n, k] = a⁻¹ b for symmetric (possibly indefinite) a [n, n], b [n, k]
//                  (LAPACK ?sysv, Bunch–Kaufman LDLᵀ with pivoting)
//   cholesky_solve: the same for symmetric positive-definite a (LAPACK ?potrf + ?potrs)
//
// Return value: 0 on success; kNonFinite when the input holds NaN or ±Inf (LAPACK's behaviour on
// such input is undefined, so it is never called with it); kTooLarge when n or k exceed LAPACK's
// 32-bit integers; otherwise LAPACK's INFO (> 0: eigh did not converge / the factor is exactly
// singular (sysv) / the matrix is not positive definite (potrf) at that 1-based position).
#pragma once

namespace ng {

constexpr int kNonFinite = -1000;
constexpr int kTooLarge = -1001;
constexpr int kNoMemory = -1002;

template <typename T>
int eigh(T* values, T* vectors, const T* a, long n);

template <typename T>
int solve_sym(T* x, const T* a, const T* b, long n, long k);

template <typename T>
int cholesky_solve(T* x, const T* a, const T* b, long n, long k);

}  // namespace ng
