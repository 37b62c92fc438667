#include "kernels/softmax_xent.h"

#include <cmath>

namespace ng {

double softmax_xent_forward(float* loss, float* probs, float* lse, const float* logits, const int32_t* classes,
                            const float* target, long N, long K, float smoothing) {
  const double eps = smoothing, off = K > 0 ? eps / K : 0.0, on = 1.0 - eps;
  double total = 0;
  for (long n = 0; n < N; n++) {
    const float* x = logits + n * K;
    float* p = probs + n * K;
    float m = -INFINITY;
    for (long k = 0; k < K; k++) m = std::fmax(m, x[k]);
    if (std::isinf(m) && m < 0) m = 0.f;  // a row of −inf gives NaN, as PyTorch
    double z = 0;
    for (long k = 0; k < K; k++) {
      const double e = std::exp((double)x[k] - m);
      p[k] = (float)e;
      z += e;
    }
    const double logz = std::log(z), invz = 1.0 / z;
    for (long k = 0; k < K; k++) p[k] = (float)(p[k] * invz);
    lse[n] = (float)(m + logz);
    // loss_n = Σ_k t_k ((m − x_k) + log z)
    double l;
    if (classes) {
      const long y = classes[n];
      l = on * (((double)m - x[y]) + logz);
      if (off != 0) {
        double s = 0;
        for (long k = 0; k < K; k++) s += ((double)m - x[k]) + logz;
        l += off * s;
      }
    } else {
      const float* t = target + n * K;
      l = 0;
      for (long k = 0; k < K; k++) {
        const double tk = on * t[k] + off;
        if (tk != 0) l += tk * (((double)m - x[k]) + logz);
      }
    }
    loss[n] = (float)l;
    total += l;
  }
  return total;
}

void softmax_xent_backward(float* dlogits, float* dtarget, const float* dloss, long dloss_stride, float scale,
                           const float* probs, const float* lse, const float* logits, const int32_t* classes,
                           const float* target, long N, long K, float smoothing) {
  const float eps = smoothing, off = K > 0 ? eps / K : 0.f, on = 1.f - eps;
  for (long n = 0; n < N; n++) {
    const float g = scale * dloss[n * dloss_stride];
    const float* p = probs + n * K;
    if (dlogits) {
      float* d = dlogits + n * K;
      if (classes) {  // S = 1
        for (long k = 0; k < K; k++) d[k] += g * (p[k] - off);
        d[classes[n]] -= g * on;
      } else {
        const float* t = target + n * K;
        double s = 0;
        for (long k = 0; k < K; k++) s += t[k];
        const float S = (float)(on * s + eps);
        for (long k = 0; k < K; k++) d[k] += g * (p[k] * S - (on * t[k] + off));
      }
    }
    if (dtarget && target) {
      const float* x = logits + n * K;
      float* dt = dtarget + n * K;
      for (long k = 0; k < K; k++) dt[k] += g * on * (lse[n] - x[k]);
    }
  }
}

}  // namespace ng
