#include "kernels/softmax_xent.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ng {

namespace {

// Four floats at a time through GCC/Clang vector extensions (SSE2 on x86-64, NEON on arm64),
// so the exponentials of a row vectorise without -ffast-math.
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

// e^x lane-wise, for x ≤ 0 (softmax arguments x − max): Cephes' expf — x = n·ln2 + r with
// |r| ≤ ln2/2, e^r by a degree-7 polynomial, 2^n through the exponent bits. Relative error below
// 1e-7 (checked against double exp over [−87.3, 0]); below −87.3 (under float's smallest normal)
// it gives 0; NaN stays NaN.
inline v4f exp_nonpositive(v4f x) {
  const v4f lo = {-87.33654f, -87.33654f, -87.33654f, -87.33654f};
  const v4i below = x < lo;
  const v4i nan = x != x;
  const v4f xc = (v4f)((below & (v4i)lo) | (~below & (v4i)x));
  const v4i n = __builtin_convertvector(xc * 1.44269504088896341f - 0.5f, v4i);  // round(x/ln2), x ≤ 0
  const v4f fn = __builtin_convertvector(n, v4f);
  v4f r = xc - fn * 0.693359375f;  // ln2 split in two for an exact reduction
  r = r - fn * -2.12194440e-4f;
  v4f y = r * 1.9875691500e-4f + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const v4f e = y * (v4f)((n + 127) << 23);
  return (v4f)(((v4i)e & ~below & ~nan) | ((v4i)x & nan));
}

// max_k x[k], lane-wise (a NaN is skipped here and comes back through its exponential)
float row_max(const float* x, long K) {
  v4f acc = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  long k = 0;
  for (; k + 4 <= K; k += 4) {
    v4f v;
    std::memcpy(&v, x + k, sizeof v);
    const v4i gt = v > acc;
    acc = (v4f)((gt & (v4i)v) | (~gt & (v4i)acc));
  }
  float m = acc[0];
  for (int j = 1; j < 4; j++) m = acc[j] > m ? acc[j] : m;
  for (; k < K; k++) m = x[k] > m ? x[k] : m;
  return m;
}

// p[k] = e^(x[k] − m) for k < K; returns Σ_k p[k] (blocks of 64 summed in float, then in double).
double exp_shifted_row(float* p, const float* x, float m, long K) {
  double z = 0;
  long k = 0;
  while (k < K) {
    v4f acc = {0, 0, 0, 0};
    const long end = k + 64 < K ? k + 64 : K;
    for (; k + 4 <= end; k += 4) {
      v4f v;
      std::memcpy(&v, x + k, sizeof v);
      const v4f e = exp_nonpositive(v - m);
      std::memcpy(p + k, &e, sizeof e);
      acc += e;
    }
    if (k < end) {           // the row's last 1..3 values
      v4f v = {m, m, m, m};  // padding lanes give e^0 (then dropped): no overflow in 2^n
      const long rest = end - k;
      std::memcpy(&v, x + k, sizeof(float) * rest);
      v4f e = exp_nonpositive(v - m);
      for (long j = rest; j < 4; j++) e[j] = 0;
      std::memcpy(p + k, &e, sizeof(float) * rest);
      acc += e;
      k = end;
    }
    z += (double)acc[0] + acc[1] + acc[2] + acc[3];
  }
  return z;
}

}  // namespace

double softmax_xent_forward(float* loss, float* probs, float* lse, const float* logits, const int32_t* classes,
                            const float* target, long N, long K, float smoothing) {
  const double eps = smoothing, off = K > 0 ? eps / K : 0.0, on = 1.0 - eps;
  double total = 0;
  for (long n = 0; n < N; n++) {
    const float* x = logits + n * K;
    float* p = probs + n * K;
    float m = row_max(x, K);
    if (std::isinf(m) && m < 0) m = 0.f;           // a row of −inf gives NaN (0/0), as PyTorch
    const double z = exp_shifted_row(p, x, m, K);  // x − m ≤ 0: each exponential is in [0, 1]
    const double logz = std::log(z);
    const float invz = (float)(1.0 / z);
    for (long k = 0; k < K; k++) p[k] *= invz;
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
