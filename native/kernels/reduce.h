// Sum and mean along one axis. A tensor is viewed as [outer, n, inner] around the reduced axis
// (a full reduction is outer = inner = 1, n = size).
//
//   out [outer, inner] = scale · Σ_k x [outer, k, inner]        (scale = 1 for sum, 1/n for mean)
#pragma once

namespace ng {

void sum_forward(float* out, const float* x, long outer, long n, long inner, float scale);
// dx [outer, n, inner] += scale · dout [outer, inner]
void sum_backward(float* dx, const float* dout, long outer, long n, long inner, float scale);

}  // namespace ng
