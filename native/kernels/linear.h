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
//
// Fused with ReLU (nn.Sequential runs Linear followed by ReLU as one op):
//   forward   y [N, O] = max(x · wᵀ + b, 0)          the same sgemm, then the ReLU in place
//                                                    (NaN stays NaN, as PyTorch's relu)
//   backward  d [N, O] = dout ⊙ [y > 0]              in a scratch buffer owned by the kernel
//             then the Linear backward above with d as its dout.
//             ([y > 0] = [x·wᵀ + b > 0]: PyTorch's relu backward uses the same mask.)
//
// Threads: each sgemm runs on the number of threads blas_threads.h's rule gives its shape.
#pragma once

namespace ng {

// b may be null (no bias).
void linear_forward(float* out, const float* x, const float* w, const float* b, long N, long I, long O);

// Any of dx, dw, db may be null (that gradient is not wanted). Accumulates into the others.
void linear_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w, long N, long I,
                     long O);

// y = relu(x · wᵀ + b); b may be null.
void linear_relu_forward(float* y, const float* x, const float* w, const float* b, long N, long I, long O);

// The gradients of y = relu(x · wᵀ + b) given dout = ∂L/∂y and the forward's y. Any of dx, dw, db
// may be null. Accumulates.
void linear_relu_backward(float* dx, float* dw, float* db, const float* dout, const float* y, const float* x,
                          const float* w, long N, long I, long O);

}  // namespace ng
