#include "kernels/dropout.h"

namespace ng {

void dropout_forward(Rng& rng, float* out, float* mask, const float* x, long n, float p) {
  rng_dropout_mask(rng, mask, n, p);
  for (long i = 0; i < n; i++) out[i] = x[i] * mask[i];
}

void dropout_backward(float* dx, const float* dout, const float* mask, long n) {
  for (long i = 0; i < n; i++) dx[i] += dout[i] * mask[i];
}

}  // namespace ng
