#include "kernels/batchnorm.h"

#include <cmath>
#include <vector>

namespace ng {

namespace {
// Visits every value of channel-major data [N, C, L]: f(index, channel). For L = 1 this is a
// plain row-major walk over [N, C] that the compiler can vectorise across channels.
template <typename F>
inline void for_each(long N, long C, long L, F f) {
  if (L == 1) {
    for (long n = 0; n < N; n++)
      for (long j = 0; j < C; j++) f(n * C + j, j);
    return;
  }
  for (long n = 0; n < N; n++)
    for (long j = 0; j < C; j++) {
      const long base = (n * C + j) * L;
      for (long l = 0; l < L; l++) f(base + l, j);
    }
}

// y = (x − μ)·(rstd·γ) + β
void normalise(float* out, const float* x, const float* mean, const float* rstd, const float* weight, const float* bias,
               long N, long C, long L) {
  std::vector<float> a(C), c(C);
  for (long j = 0; j < C; j++) {
    a[j] = rstd[j] * (weight ? weight[j] : 1.f);
    c[j] = bias ? bias[j] : 0.f;
  }
  const float *ap = a.data(), *cp = c.data();
  for_each(N, C, L, [&](long i, long j) { out[i] = (x[i] - mean[j]) * ap[j] + cp[j]; });
}
}  // namespace

void batchnorm1d_forward_train(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                               const float* x, const float* weight, const float* bias, long N, long C, long L,
                               float eps, float factor) {
  const long M = N * L;
  std::vector<double> s(C, 0.0), ss(C, 0.0);
  double *sp = s.data(), *ssp = ss.data();
  // pass 1: mean
  for_each(N, C, L, [&](long i, long j) { sp[j] += x[i]; });
  for (long j = 0; j < C; j++) s[j] /= (double)M;
  // pass 2: biased variance around the mean (two passes: no cancellation)
  for_each(N, C, L, [&](long i, long j) {
    const double d = x[i] - sp[j];
    ssp[j] += d * d;
  });
  for (long j = 0; j < C; j++) {
    const double var = ss[j] / (double)M;
    mean[j] = (float)s[j];
    rstd[j] = (float)(1.0 / std::sqrt(var + (double)eps));
    if (running_mean) running_mean[j] = (float)((1.0 - factor) * running_mean[j] + (double)factor * s[j]);
    if (running_var) {
      const double unbiased = M > 1 ? ss[j] / (double)(M - 1) : NAN;
      running_var[j] = (float)((1.0 - factor) * running_var[j] + (double)factor * unbiased);
    }
  }
  normalise(out, x, mean, rstd, weight, bias, N, C, L);
}

void batchnorm1d_forward_eval(float* out, float* mean, float* rstd, const float* x, const float* running_mean,
                              const float* running_var, const float* weight, const float* bias, long N, long C, long L,
                              float eps) {
  for (long j = 0; j < C; j++) {
    mean[j] = running_mean[j];
    rstd[j] = (float)(1.0 / std::sqrt((double)running_var[j] + (double)eps));
  }
  normalise(out, x, mean, rstd, weight, bias, N, C, L);
}

void batchnorm1d_backward(float* dx, float* dweight, float* dbias, const float* dout, const float* x, const float* mean,
                          const float* rstd, const float* weight, long N, long C, long L, bool batch_stats) {
  const long M = N * L;
  std::vector<double> sg(C, 0.0), sgx(C, 0.0);  // Σ g and Σ g·x̂ per channel
  double *sgp = sg.data(), *sgxp = sgx.data();
  for_each(N, C, L, [&](long i, long j) {
    const float g = dout[i];
    sgp[j] += g;
    sgxp[j] += (double)(g * ((x[i] - mean[j]) * rstd[j]));
  });
  for (long j = 0; j < C; j++) {
    if (dbias) dbias[j] += (float)sg[j];
    if (dweight) dweight[j] += (float)sgx[j];
  }
  if (!dx) return;
  std::vector<float> k(C), mg(C), mgx(C);
  for (long j = 0; j < C; j++) {
    k[j] = rstd[j] * (weight ? weight[j] : 1.f);
    mg[j] = batch_stats ? (float)(sg[j] / (double)M) : 0.f;    // mean of g
    mgx[j] = batch_stats ? (float)(sgx[j] / (double)M) : 0.f;  // mean of g·x̂
  }
  // dx += γ·rstd·(g − mean(g) − x̂·mean(g·x̂))   (the two means vanish for running statistics)
  const float *kp = k.data(), *mgp = mg.data(), *mgxp = mgx.data();
  for_each(N, C, L, [&](long i, long j) {
    const float xh = (x[i] - mean[j]) * rstd[j];
    dx[i] += kp[j] * (dout[i] - mgp[j] - xh * mgxp[j]);
  });
}

}  // namespace ng
