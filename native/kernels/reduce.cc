#include "kernels/reduce.h"

#include <vector>

namespace ng {

void sum_forward(float* out, const float* x, long outer, long n, long inner, float scale) {
  // Accumulates in double: the result is the correctly rounded float of the exact sum for any
  // realistic n, a little better than float pairwise summation.
  if (inner == 1) {
    for (long o = 0; o < outer; o++) {
      const float* row = x + o * n;
      double acc = 0;
      for (long k = 0; k < n; k++) acc += row[k];
      out[o] = (float)(acc * scale);
    }
    return;
  }
  std::vector<double> acc(inner);
  for (long o = 0; o < outer; o++) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (long k = 0; k < n; k++) {
      const float* row = x + (o * n + k) * inner;
      for (long i = 0; i < inner; i++) acc[i] += row[i];
    }
    for (long i = 0; i < inner; i++) out[o * inner + i] = (float)(acc[i] * scale);
  }
}

void sum_backward(float* dx, const float* dout, long outer, long n, long inner, float scale) {
  for (long o = 0; o < outer; o++)
    for (long k = 0; k < n; k++) {
      float* row = dx + (o * n + k) * inner;
      const float* g = dout + o * inner;
      for (long i = 0; i < inner; i++) row[i] += scale * g[i];
    }
}

}  // namespace ng
