#include "kernels/linear.h"

#include <cstring>
#include <vector>

#include "kernels/clones.h"
#include "kernels/matmul.h"

namespace ng {

namespace {

// The elementwise passes around the sgemms (ReLU, its mask, the bias-gradient column sums) are
// compiled for AVX-512, AVX2 and baseline x86-64, the loader picking the best the CPU runs (as the
// optimizer kernels, see optim.cc); they have no floating-point contraction to change results.

// y ← max(y, 0) in place (NaN stays NaN, as PyTorch's relu)
NG_CLONES void relu_inplace(float* y, long n) {
  for (long i = 0; i < n; i++) {
    const float v = y[i];
    y[i] = v <= 0.f ? 0.f : v;
  }
}

// acc [O] += Σ_n g [n, :]   (double accumulators; row by row, so g is read in order)
NG_CLONES void column_sums(double* acc, const float* g, long N, long O) {
  for (long n = 0; n < N; n++) {
    const float* row = g + n * O;
    for (long o = 0; o < O; o++) acc[o] += row[o];
  }
}

// d = dout ⊙ [y > 0]   (both loads unconditional, so the select becomes a vector blend)
NG_CLONES void relu_mask(float* d, const float* dout, const float* y, long n) {
  for (long i = 0; i < n; i++) {
    const float g = dout[i], v = y[i];
    d[i] = v > 0.f ? g : 0.f;
  }
}

// db [O] += acc (rounded once)
void add_bias_grad(float* db, const double* acc, long O) {
  for (long o = 0; o < O; o++) db[o] += (float)acc[o];
}

// Per-thread double accumulators for the bias gradient, zeroed.
double* bias_acc(long O) {
  thread_local std::vector<double> acc;
  acc.assign((size_t)O, 0.0);
  return acc.data();
}

// Scratch for the masked gradient of the fused backward, reused across calls (per thread).
float* scratch(long n) {
  thread_local std::vector<float> buf;
  if ((long)buf.size() < n) buf.resize((size_t)n);
  return buf.data();
}

}  // namespace

void linear_forward(float* out, const float* x, const float* w, const float* b, long N, long I, long O) {
  if (N == 0 || O == 0) return;
  if (b) {
    for (long n = 0; n < N; n++) std::memcpy(out + n * O, b, sizeof(float) * O);
  }
  // out [N, O] = 1 · x [N, I] · (w [O, I])ᵀ + (b ? 1 : 0) · out
  sgemm(out, x, w, (int)N, (int)I, (int)O, false, true, 1.f, b ? 1.f : 0.f);
}

void linear_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w, long N, long I,
                     long O) {
  // dx [N, I] += dout [N, O] · w [O, I]
  if (dx) sgemm(dx, dout, w, (int)N, (int)O, (int)I, false, false, 1.f, 1.f);
  // dw [O, I] += (dout [N, O])ᵀ · x [N, I]
  if (dw) sgemm(dw, dout, x, (int)O, (int)N, (int)I, true, false, 1.f, 1.f);
  // db [O] += Σ_n dout [n, :]
  if (db && O > 0) {
    double* acc = bias_acc(O);
    column_sums(acc, dout, N, O);
    add_bias_grad(db, acc, O);
  }
}

void linear_relu_forward(float* y, const float* x, const float* w, const float* b, long N, long I, long O) {
  linear_forward(y, x, w, b, N, I, O);
  relu_inplace(y, N * O);
}

void linear_relu_backward(float* dx, float* dw, float* db, const float* dout, const float* y, const float* x,
                          const float* w, long N, long I, long O) {
  const long n = N * O;
  if (n == 0) return;
  float* d = scratch(n);
  relu_mask(d, dout, y, n);
  linear_backward(dx, dw, db, d, x, w, N, I, O);
}

}  // namespace ng
