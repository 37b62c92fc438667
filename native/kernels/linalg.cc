#include "kernels/linalg.h"

#include <cblas.h>  // blasint: OpenBLAS's LAPACK integer (32-bit unless built with INTERFACE64)

#include <climits>
#include <cmath>
#include <cstddef>
#include <new>
#include <vector>

// LAPACK's Fortran entry points: every argument by pointer, plus one trailing hidden length per
// CHARACTER argument (size_t since gfortran 8). Debian's OpenBLAS ships LAPACK without LAPACKE.
extern "C" {
void ssyevd_(const char* jobz, const char* uplo, const blasint* n, float* a, const blasint* lda, float* w, float* work,
             const blasint* lwork, blasint* iwork, const blasint* liwork, blasint* info, size_t, size_t);
void dsyevd_(const char* jobz, const char* uplo, const blasint* n, double* a, const blasint* lda, double* w,
             double* work, const blasint* lwork, blasint* iwork, const blasint* liwork, blasint* info, size_t, size_t);
void ssysv_(const char* uplo, const blasint* n, const blasint* nrhs, float* a, const blasint* lda, blasint* ipiv,
            float* b, const blasint* ldb, float* work, const blasint* lwork, blasint* info, size_t);
void dsysv_(const char* uplo, const blasint* n, const blasint* nrhs, double* a, const blasint* lda, blasint* ipiv,
            double* b, const blasint* ldb, double* work, const blasint* lwork, blasint* info, size_t);
void spotrf_(const char* uplo, const blasint* n, float* a, const blasint* lda, blasint* info, size_t);
void dpotrf_(const char* uplo, const blasint* n, double* a, const blasint* lda, blasint* info, size_t);
void spotrs_(const char* uplo, const blasint* n, const blasint* nrhs, const float* a, const blasint* lda, float* b,
             const blasint* ldb, blasint* info, size_t);
void dpotrs_(const char* uplo, const blasint* n, const blasint* nrhs, const double* a, const blasint* lda, double* b,
             const blasint* ldb, blasint* info, size_t);
}

namespace ng {
namespace {

// The row-major lower triangle is the column-major upper triangle: LAPACK gets UPLO = 'U'.
const char kUplo = 'U';

inline void syevd(float* a, float* w, const blasint* n, float* work, const blasint* lwork, blasint* iwork,
                  const blasint* liwork, blasint* info) {
  ssyevd_("V", &kUplo, n, a, n, w, work, lwork, iwork, liwork, info, 1, 1);
}
inline void syevd(double* a, double* w, const blasint* n, double* work, const blasint* lwork, blasint* iwork,
                  const blasint* liwork, blasint* info) {
  dsyevd_("V", &kUplo, n, a, n, w, work, lwork, iwork, liwork, info, 1, 1);
}
inline void sysv(const blasint* n, const blasint* k, float* a, blasint* ipiv, float* b, float* work,
                 const blasint* lwork, blasint* info) {
  ssysv_(&kUplo, n, k, a, n, ipiv, b, n, work, lwork, info, 1);
}
inline void sysv(const blasint* n, const blasint* k, double* a, blasint* ipiv, double* b, double* work,
                 const blasint* lwork, blasint* info) {
  dsysv_(&kUplo, n, k, a, n, ipiv, b, n, work, lwork, info, 1);
}
inline void potrf(const blasint* n, float* a, blasint* info) { spotrf_(&kUplo, n, a, n, info, 1); }
inline void potrf(const blasint* n, double* a, blasint* info) { dpotrf_(&kUplo, n, a, n, info, 1); }
inline void potrs(const blasint* n, const blasint* k, const float* a, float* b, blasint* info) {
  spotrs_(&kUplo, n, k, a, n, b, n, info, 1);
}
inline void potrs(const blasint* n, const blasint* k, const double* a, double* b, blasint* info) {
  dpotrs_(&kUplo, n, k, a, n, b, n, info, 1);
}

// Checks the sizes fit LAPACK's integers and the lower triangle of a [n, n] and all of b [n, k] are finite.
template <typename T>
int check_input(const T* a, const T* b, long n, long k) {
  if (n > INT_MAX || k > INT_MAX || (n > 0 && n > (long)INT_MAX / n)) return kTooLarge;
  for (long i = 0; i < n; i++)
    for (long j = 0; j <= i; j++)
      if (!std::isfinite(a[i * n + j])) return kNonFinite;
  if (b)
    for (long i = 0; i < n * k; i++)
      if (!std::isfinite(b[i])) return kNonFinite;
  return 0;
}

// Row-major b [n, k] ↔ column-major [n, k] (ld n).
template <typename T>
void to_col_major(T* dst, const T* src, long n, long k) {
  for (long i = 0; i < n; i++)
    for (long j = 0; j < k; j++) dst[j * n + i] = src[i * k + j];
}
template <typename T>
void from_col_major(T* dst, const T* src, long n, long k) {
  for (long i = 0; i < n; i++)
    for (long j = 0; j < k; j++) dst[i * k + j] = src[j * n + i];
}

}  // namespace

template <typename T>
int eigh(T* values, T* vectors, const T* a, long n) {
  if (int bad = check_input<T>(a, nullptr, n, 0)) return bad;
  if (n == 0) return 0;
  try {
    // vectors is the LAPACK work matrix: a row-major copy is the column-major transpose, whose
    // upper triangle LAPACK reads (= our lower triangle).
    std::vector<T> m(a, a + n * n);
    blasint N = (blasint)n, info = 0, lwork = -1, liwork = -1, iwq = 0;
    T wq = 0;
    syevd(m.data(), values, &N, &wq, &lwork, &iwq, &liwork, &info);  // workspace query
    if (info != 0) return (int)info;
    // the query answers in T; a float cannot hold 1 + 6n + 2n² exactly above n ≈ 2900, so take
    // at least LAPACK's documented minimum for JOBZ = 'V'
    const double need = 1.0 + 6.0 * n + 2.0 * (double)n * n;
    if (need > (double)INT_MAX) return kTooLarge;
    lwork = (blasint)std::fmax((double)wq, need);
    liwork = iwq > 3 + 5 * N ? iwq : 3 + 5 * N;
    std::vector<T> work((size_t)(lwork > 1 ? lwork : 1));
    std::vector<blasint> iwork((size_t)(liwork > 1 ? liwork : 1));
    syevd(m.data(), values, &N, work.data(), &lwork, iwork.data(), &liwork, &info);
    if (info != 0) return (int)info;
    // LAPACK's column j (m[j*n + i]) is eigenvector j: store it as column j of row-major vectors.
    for (long i = 0; i < n; i++)
      for (long j = 0; j < n; j++) vectors[i * n + j] = m[j * n + i];
    return 0;
  } catch (const std::bad_alloc&) {
    return kNoMemory;
  }
}

// The shared frame of the two solves: input checks, copies of a and of b (column-major), the
// factor-and-solve step `factor_solve(N, K, m, rhs) → info`, and the answer back in row-major x.
template <typename T, typename F>
int solve_with(T* x, const T* a, const T* b, long n, long k, F factor_solve) {
  if (int bad = check_input<T>(a, b, n, k)) return bad;
  if (n == 0 || k == 0) return 0;
  if (n * k > (long)INT_MAX) return kTooLarge;
  try {
    std::vector<T> m(a, a + n * n), rhs((size_t)(n * k));
    to_col_major(rhs.data(), b, n, k);
    blasint N = (blasint)n, K = (blasint)k;
    if (blasint info = factor_solve(N, K, m.data(), rhs.data())) return (int)info;
    from_col_major(x, rhs.data(), n, k);
    return 0;
  } catch (const std::bad_alloc&) {
    return kNoMemory;
  }
}

template <typename T>
int solve_sym(T* x, const T* a, const T* b, long n, long k) {
  return solve_with(x, a, b, n, k, [n](blasint& N, blasint& K, T* m, T* rhs) -> blasint {
    std::vector<blasint> ipiv((size_t)n);
    blasint info = 0, lwork = -1;
    T wq = 0;
    sysv(&N, &K, m, ipiv.data(), rhs, &wq, &lwork, &info);  // workspace query
    if (info != 0) return info;
    lwork = (blasint)wq;
    std::vector<T> work((size_t)(lwork > 1 ? lwork : 1));
    sysv(&N, &K, m, ipiv.data(), rhs, work.data(), &lwork, &info);
    return info;
  });
}

template <typename T>
int cholesky_solve(T* x, const T* a, const T* b, long n, long k) {
  return solve_with(x, a, b, n, k, [](blasint& N, blasint& K, T* m, T* rhs) -> blasint {
    blasint info = 0;
    potrf(&N, m, &info);
    if (info != 0) return info;
    potrs(&N, &K, m, rhs, &info);
    return info;
  });
}

template int eigh<float>(float*, float*, const float*, long);
template int eigh<double>(double*, double*, const double*, long);
template int solve_sym<float>(float*, const float*, const float*, long, long);
template int solve_sym<double>(double*, const double*, const double*, long, long);
template int cholesky_solve<float>(float*, const float*, const float*, long, long);
template int cholesky_solve<double>(double*, const double*, const double*, long, long);

}  // namespace ng
