#include "kernels/mse.h"

namespace ng {

double mse_forward(float* each, const float* a, const float* b, long n) {
  double total = 0;
  for (long i = 0; i < n; i++) {
    const float d = a[i] - b[i];
    const float e = d * d;
    if (each) each[i] = e;
    total += e;
  }
  return total;
}

void mse_backward(float* da, float* db, const float* dout, long dout_stride, float scale, const float* a,
                  const float* b, long n) {
  for (long i = 0; i < n; i++) {
    const float d = 2.f * scale * dout[i * dout_stride] * (a[i] - b[i]);
    if (da) da[i] += d;
    if (db) db[i] -= d;
  }
}

}  // namespace ng
