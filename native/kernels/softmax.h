// Softmax and log-softmax along one axis, viewed as [outer, n, inner] (inner = 1 for the last axis).
//
//   softmax:     y_k = exp(x_k − max x) / Σ_j exp(x_j − max x)
//   logSoftmax:  y_k = x_k − max x − log Σ_j exp(x_j − max x)
//
// Subtracting the maximum keeps both finite for logits of any magnitude (±1e4 and beyond).
#pragma once

namespace ng {

void softmax_forward(float* out, const float* x, long outer, long n, long inner);
// dx += y ⊙ (dy − Σ_k dy_k y_k)        (y = softmax output)
void softmax_backward(float* dx, const float* dy, const float* y, long outer, long n, long inner);

void log_softmax_forward(float* out, const float* x, long outer, long n, long inner);
// dx += dy − exp(y) · Σ_k dy_k           (y = log-softmax output)
void log_softmax_backward(float* dx, const float* dy, const float* y, long outer, long n, long inner);

}  // namespace ng
