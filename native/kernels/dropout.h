// Inverted dropout (PyTorch's nn.Dropout in training mode).
//
//   n elements; p the probability of zeroing an element
//   forward   mask [n] = 1/(1 − p) with probability 1 − p, else 0   (drawn from the instance's Rng)
//             out  [n] = x · mask                                     mask cached for backward
//             (p = 1: every mask value is 0, the output all zeros, as PyTorch)
//   backward  dx [n] += dout · mask
#pragma once

#include "kernels/rng.h"

namespace ng {

void dropout_forward(Rng& rng, float* out, float* mask, const float* x, long n, float p);
void dropout_backward(float* dx, const float* dout, const float* mask, long n);

}  // namespace ng
