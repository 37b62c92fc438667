#include "kernels/metrics.h"

#include <cmath>

namespace ng {

static inline int32_t argmax(const float* row, long K) {
  int32_t best = 0;
  float v = row[0];
  for (long k = 1; k < K; k++) {
    if (std::isnan(v)) break;
    if (row[k] > v || std::isnan(row[k])) {
      v = row[k];
      best = (int32_t)k;
    }
  }
  return best;
}

void argmax_rows(int32_t* out, const float* x, long N, long K) {
  for (long n = 0; n < N; n++) out[n] = K > 0 ? argmax(x + n * K, K) : -1;
}

long count_correct(const float* x, const int32_t* labels, long N, long K) {
  if (K == 0) return 0;
  long c = 0;
  for (long n = 0; n < N; n++) c += argmax(x + n * K, K) == labels[n];
  return c;
}

}  // namespace ng
