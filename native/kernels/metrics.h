// Metrics over a batch of scores, computed where the scores live.
//
//   argmax_rows:    out [N] = argmax_k x [N, K]   (first index on ties; NaN counts as largest, as PyTorch)
//   count_correct:  Σ_n [argmax_k x[n, k] == labels[n]]
#pragma once
#include <cstdint>

namespace ng {

void argmax_rows(int32_t* out, const float* x, long N, long K);
long count_correct(const float* x, const int32_t* labels, long N, long K);

}  // namespace ng
