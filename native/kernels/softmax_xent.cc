#include "kernels/softmax_xent.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/clones.h"

namespace ng {

// Function multiversioning (kernels/clones.h): the exponential loop is compiled for x86-64-v4
// (AVX-512), x86-64-v3 (AVX2) and the baseline, picked once at load time. In those builds
// contraction is off, so every version rounds as the baseline does: results do not depend on which
// x86-64 CPU runs them. Without the clones the pragma is not applied.
#if NG_HAVE_CLONES
#pragma GCC optimize("fp-contract=off")
#endif

namespace {

// Sixteen floats at a time through GCC/Clang vector extensions: one AVX-512 register in the v4
// clone, two AVX2 or four SSE2 registers in the others (branch-free, so nothing is left to the
// auto-vectoriser).
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));

// e^x lane-wise, for x ≤ 0 (softmax arguments x − max): Cephes' expf — x = n·ln2 + r with
// |r| ≤ ln2/2, e^r by a degree-7 polynomial, 2^n through the exponent bits. Relative error below
// 1e-7 (checked against double exp over [−87.3, 0]); below −87.3 (under float's smallest normal)
// it gives 0; NaN stays NaN.
inline v16f exp_nonpositive(v16f x) {
  const v16f zero = {};
  const v16f lo = zero - 87.33654f;
  const v16i below = x < lo;
  const v16i nan = x != x;
  v16f xc = below ? lo : x;
  xc = nan ? zero : xc;  // NaN lanes computed as 0, their NaN restored at the end
  const v16i n = __builtin_convertvector(xc * 1.44269504088896341f - 0.5f, v16i);  // round(x/ln2), x ≤ 0
  const v16f fn = __builtin_convertvector(n, v16f);
  v16f r = xc - fn * 0.693359375f;  // ln2 split in two for an exact reduction
  r = r - fn * -2.12194440e-4f;
  v16f y = r * 1.9875691500e-4f + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const v16f e = y * (v16f)((n + 127) << 23);
  const v16f out = below ? zero : e;
  return nan ? x : out;
}

// p[i] ← e^p[i] over n values, each ≤ 0 or NaN.
NG_CLONES void exp_nonpositive_inplace(float* p, long n) {
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    v16f v;
    std::memcpy(&v, p + i, sizeof v);
    v = exp_nonpositive(v);
    std::memcpy(p + i, &v, sizeof v);
  }
  if (i < n) {  // the last 1..15 values; padding lanes hold 0 (e^0, dropped)
    v16f v = {};
    std::memcpy(&v, p + i, sizeof(float) * (n - i));
    v = exp_nonpositive(v);
    std::memcpy(p + i, &v, sizeof(float) * (n - i));
  }
}

// max_k x[k] (a NaN is skipped here and comes back through its exponential)
inline float row_max(const float* x, long K) {
  float m = -INFINITY;
  for (long k = 0; k < K; k++) m = x[k] > m ? x[k] : m;
  return m;
}

}  // namespace

// Three passes over the batch, so that the exponentials (most of the work) run as one vectorised
// loop over all N·K values instead of short per-row loops: (1) each row's maximum m and the
// shifted logits x − m, written into probs; (2) the exponentials, in place; (3) per row, the sum z
// (in double), log z, the normalisation and the loss.
double softmax_xent_forward(float* loss, float* probs, float* lse, const float* logits, const int32_t* classes,
                            const float* target, long N, long K, float smoothing, const float* weight, long ignore) {
  const double eps = smoothing, off = K > 0 ? eps / K : 0.0, on = 1.0 - eps;
  for (long n = 0; n < N; n++) {
    const float* x = logits + n * K;
    float* p = probs + n * K;
    float m = row_max(x, K);
    if (std::isinf(m) && m < 0) m = 0.f;  // a row of −inf gives NaN (0/0), as PyTorch
    for (long k = 0; k < K; k++) p[k] = x[k] - m;
    lse[n] = m;  // kept here until pass 3
  }
  exp_nonpositive_inplace(probs, N * K);  // x − m ≤ 0: each exponential is in [0, 1]
  double total = 0;
  for (long n = 0; n < N; n++) {
    const float* x = logits + n * K;
    float* p = probs + n * K;
    const float m = lse[n];
    double z = 0;
    for (long k = 0; k < K; k++) z += p[k];
    const double logz = std::log(z);
    const float invz = (float)(1.0 / z);
    for (long k = 0; k < K; k++) p[k] *= invz;
    lse[n] = (float)(m + logz);
    // loss_n = Σ_k c_k ((m − x_k) + log z)
    double l = 0;
    if (classes) {
      const long y = classes[n];
      if (y != ignore) {
        const double wy = weight ? weight[y] : 1.0;
        l = on * wy * (((double)m - x[y]) + logz);
        if (off != 0) {
          double s = 0;
          for (long k = 0; k < K; k++) s += (weight ? (double)weight[k] : 1.0) * (((double)m - x[k]) + logz);
          l += off * s;
        }
      }
    } else {
      const float* t = target + n * K;
      for (long k = 0; k < K; k++) {
        const double tk = (on * t[k] + off) * (weight ? (double)weight[k] : 1.0);
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
                           const float* target, long N, long K, float smoothing, const float* weight, long ignore) {
  const float eps = smoothing, off = K > 0 ? eps / K : 0.f, on = 1.f - eps;
  double wsum = 0;  // Σ_k w_k, for S with smoothing
  if (weight)
    for (long k = 0; k < K; k++) wsum += weight[k];
  for (long n = 0; n < N; n++) {
    if (classes && classes[n] == ignore) continue;  // no loss, no gradient
    const float g = scale * dloss[n * dloss_stride];
    const float* p = probs + n * K;
    if (dlogits) {
      float* d = dlogits + n * K;
      if (classes && !weight) {  // S = 1
        for (long k = 0; k < K; k++) d[k] += g * (p[k] - off);
        d[classes[n]] -= g * on;
      } else if (classes) {  // S = (1 − ε) w_y + ε/K Σ_k w_k
        const long y = classes[n];
        const float S = (float)(on * (double)weight[y] + off * wsum);
        for (long k = 0; k < K; k++) d[k] += g * (p[k] * S - off * weight[k]);
        d[y] -= g * on * weight[y];
      } else {
        const float* t = target + n * K;
        double s = 0;
        if (weight)
          for (long k = 0; k < K; k++) s += (double)weight[k] * (on * t[k] + off);
        else
          for (long k = 0; k < K; k++) s += t[k];
        const float S = weight ? (float)s : (float)(on * s + eps);
        for (long k = 0; k < K; k++) d[k] += g * (p[k] * S - (on * t[k] + off) * (weight ? weight[k] : 1.f));
      }
    }
    if (dtarget && target) {
      const float* x = logits + n * K;
      float* dt = dtarget + n * K;
      for (long k = 0; k < K; k++) dt[k] += g * on * (weight ? weight[k] : 1.f) * (lse[n] - x[k]);
    }
  }
}

}  // namespace ng
