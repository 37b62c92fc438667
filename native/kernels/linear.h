// Fully connected layer, PyTorch's layout: weight [O, I] (out × in), bias [O].
//
//   N  rows of the batch (every leading dimension of the input flattened)
//   I  input features, O output features
//
//   forward   out [N, O] = x [N, I] · wᵀ + b        one sgemm: out is pre-filled with the bias rows
//                                                    and sgemm runs with beta = 1 (w read transposed)
//   backward  dx [N, I] += dout [N, O] · w [O, I]    sgemm
//             dw [O, I] += doutᵀ · x                 sgemm, dout read transposed (no copy)
//             db [O]    += Σ_n dout [n, :]           column sum (double accumulators)
#pragma once

namespace ng {

// b may be null (no bias).
void linear_forward(float* out, const float* x, const float* w, const float* b, long N, long I, long O);

// Any of dx, dw, db may be null (that gradient is not wanted). Accumulates into the others.
void linear_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w, long N,
                     long I, long O);

}  // namespace ng
