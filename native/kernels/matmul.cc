#include "kernels/matmul.h"

#include <cblas.h>

#include "kernels/blas_threads.h"

namespace ng {

void sgemm(float* out, const float* a, const float* b, int M, int K, int N, bool transA, bool transB, float alpha,
           float beta) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // sgemm with K = 0 scales out by beta; make that explicit
    for (long i = 0; i < (long)M * N; i++) out[i] = beta == 0.f ? 0.f : beta * out[i];
    return;
  }
  GemmThreads threads(M, K, N);
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K, alpha, a,
              transA ? M : K, b, transB ? K : N, beta, out, N);
}

void matmul_forward(float* out, const float* a, const float* b, int M, int K, int N) {
  sgemm(out, a, b, M, K, N, false, false, 1.f, 0.f);
}

void matmul_backward(float* da, float* db, const float* dout, const float* a, const float* b, int M, int K, int N) {
  // da [M, K] += dout [M, N] · bᵀ (b is [K, N], read transposed)
  if (da) sgemm(da, dout, b, M, N, K, false, true, 1.f, 1.f);
  // db [K, N] += aᵀ (a is [M, K], read transposed) · dout [M, N]
  if (db) sgemm(db, a, dout, K, M, N, true, false, 1.f, 1.f);
}

void transpose_forward(float* out, const float* a, int R, int C) {
  // blocked to stay in cache for large matrices
  const int B = 32;
  for (int i0 = 0; i0 < R; i0 += B)
    for (int j0 = 0; j0 < C; j0 += B)
      for (int i = i0; i < R && i < i0 + B; i++)
        for (int j = j0; j < C && j < j0 + B; j++) out[(long)j * R + i] = a[(long)i * C + j];
}

void transpose_backward(float* da, const float* dout, int R, int C) {
  const int B = 32;
  for (int i0 = 0; i0 < R; i0 += B)
    for (int j0 = 0; j0 < C; j0 += B)
      for (int i = i0; i < R && i < i0 + B; i++)
        for (int j = j0; j < C && j < j0 + B; j++) da[(long)i * C + j] += dout[(long)j * R + i];
}

}  // namespace ng
