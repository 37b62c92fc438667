#include "kernels/linear.h"

#include <cstring>
#include <vector>

#include "kernels/matmul.h"

namespace ng {

void linear_forward(float* out, const float* x, const float* w, const float* b, long N, long I, long O) {
  if (N == 0 || O == 0) return;
  if (b) {
    for (long n = 0; n < N; n++) std::memcpy(out + n * O, b, sizeof(float) * O);
  }
  // out [N, O] = 1 · x [N, I] · (w [O, I])ᵀ + (b ? 1 : 0) · out
  sgemm(out, x, w, (int)N, (int)I, (int)O, false, true, 1.f, b ? 1.f : 0.f);
}

void linear_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w, long N,
                     long I, long O) {
  // dx [N, I] += dout [N, O] · w [O, I]
  if (dx) sgemm(dx, dout, w, (int)N, (int)O, (int)I, false, false, 1.f, 1.f);
  // dw [O, I] += (dout [N, O])ᵀ · x [N, I]
  if (dw) sgemm(dw, dout, x, (int)O, (int)N, (int)I, true, false, 1.f, 1.f);
  // db [O] += Σ_n dout [n, :]  (row by row, so dout is read in order)
  if (db && O > 0) {
    std::vector<double> acc(O, 0.0);
    for (long n = 0; n < N; n++) {
      const float* g = dout + n * O;
      for (long o = 0; o < O; o++) acc[o] += g[o];
    }
    for (long o = 0; o < O; o++) db[o] += (float)acc[o];
  }
}

}  // namespace ng
