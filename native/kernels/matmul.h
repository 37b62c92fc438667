// Matrix product through OpenBLAS sgemm. Row-major throughout.
//
//   out [M, N] = op(a) [M, K] · op(b) [K, N]     op(x) = x or xᵀ (transA / transB)
//
// Backward never copies a transposed operand: it passes transpose flags to sgemm and
// accumulates (beta = 1) into the gradients, as every backward kernel here does.
//
// Every sgemm runs on the number of threads blas_threads.h's rule gives its shape.
#pragma once
#include <cstddef>

namespace ng {

// out = alpha · op(a) · op(b) + beta · out
// a is [M, K] (or [K, M] when transA), b is [K, N] (or [N, K] when transB).
void sgemm(float* out, const float* a, const float* b, int M, int K, int N, bool transA, bool transB, float alpha,
           float beta);

// out [M, N] = a [M, K] · b [K, N]
void matmul_forward(float* out, const float* a, const float* b, int M, int K, int N);

// da [M, K] += dout [M, N] · bᵀ;  db [K, N] += aᵀ · dout. Either gradient may be null.
void matmul_backward(float* da, float* db, const float* dout, const float* a, const float* b, int M, int K, int N);

// out [C, R] = aᵀ for a [R, C]
void transpose_forward(float* out, const float* a, int R, int C);
// da [R, C] += doutᵀ for dout [C, R]
void transpose_backward(float* da, const float* dout, int R, int C);

}  // namespace ng
