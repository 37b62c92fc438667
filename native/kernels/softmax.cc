#include "kernels/softmax.h"

#include <cmath>

namespace ng {

namespace {
// Runs f(base, stride) for every softmax "row" of n elements at stride `inner`.
template <typename F>
void for_each_row(long outer, long n, long inner, F f) {
  for (long o = 0; o < outer; o++)
    for (long i = 0; i < inner; i++) f(o * n * inner + i, inner);
}
}  // namespace

void softmax_forward(float* out, const float* x, long outer, long n, long inner) {
  for_each_row(outer, n, inner, [&](long base, long s) {
    float m = -INFINITY;
    for (long k = 0; k < n; k++) m = std::fmax(m, x[base + k * s]);
    if (std::isinf(m) && m < 0) m = 0.f;  // a row of −inf: exp gives 0/0 = NaN, as PyTorch
    double z = 0;
    for (long k = 0; k < n; k++) {
      const float e = std::exp(x[base + k * s] - m);
      out[base + k * s] = e;
      z += e;
    }
    const float inv = (float)(1.0 / z);
    for (long k = 0; k < n; k++) out[base + k * s] *= inv;
  });
}

void softmax_backward(float* dx, const float* dy, const float* y, long outer, long n, long inner) {
  for_each_row(outer, n, inner, [&](long base, long s) {
    double dot = 0;
    for (long k = 0; k < n; k++) dot += (double)dy[base + k * s] * y[base + k * s];
    for (long k = 0; k < n; k++) dx[base + k * s] += y[base + k * s] * (dy[base + k * s] - (float)dot);
  });
}

void log_softmax_forward(float* out, const float* x, long outer, long n, long inner) {
  for_each_row(outer, n, inner, [&](long base, long s) {
    float m = -INFINITY;
    for (long k = 0; k < n; k++) m = std::fmax(m, x[base + k * s]);
    if (std::isinf(m) && m < 0) m = 0.f;
    double z = 0;
    for (long k = 0; k < n; k++) z += std::exp((double)(x[base + k * s] - m));
    // (x − m) − log z rather than x − (m + log z): for large m the sum m + log z would round
    // away most of log z (at m = 5000 its float32 ulp is 5e-4)
    const float logz = (float)std::log(z);
    for (long k = 0; k < n; k++) out[base + k * s] = (x[base + k * s] - m) - logz;
  });
}

void log_softmax_backward(float* dx, const float* dy, const float* y, long outer, long n, long inner) {
  for_each_row(outer, n, inner, [&](long base, long s) {
    double sum = 0;
    for (long k = 0; k < n; k++) sum += dy[base + k * s];
    for (long k = 0; k < n; k++) dx[base + k * s] += dy[base + k * s] - std::exp(y[base + k * s]) * (float)sum;
  });
}

}  // namespace ng
