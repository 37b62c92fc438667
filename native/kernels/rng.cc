#include "kernels/rng.h"

#include <cmath>

namespace ng {

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Rng::seed(uint64_t seed) {
  uint64_t z = seed;
  for (auto& w : s) {  // splitmix64
    z += 0x9e3779b97f4a7c15ULL;
    uint64_t x = z;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    w = x ^ (x >> 31);
  }
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t Rng::below(uint64_t n) {
  // Lemire's nearly-divisionless method would do; rejection keeps it exactly uniform and simple.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = next();
  while (x >= limit);
  return x % n;
}

void rng_uniform(Rng& r, float* out, long n, float lo, float hi) {
  const double w = (double)hi - lo;
  for (long i = 0; i < n; i++) {
    float v = (float)(lo + w * r.uniform_double());
    out[i] = v < hi ? v : lo;  // rounding to float must not reach hi: the interval stays [lo, hi)
  }
}

void rng_normal(Rng& r, float* out, long n, float mean, float std) {
  const double two_pi = 6.283185307179586;
  for (long i = 0; i < n; i += 2) {
    double u1 = 1.0 - r.uniform_double();  // (0, 1]: log is finite
    double u2 = r.uniform_double();
    double rad = std::sqrt(-2.0 * std::log(u1));
    out[i] = (float)(mean + std * rad * std::cos(two_pi * u2));
    if (i + 1 < n) out[i + 1] = (float)(mean + std * rad * std::sin(two_pi * u2));
  }
}

void rng_permutation(Rng& r, int32_t* out, long n) {
  for (long i = 0; i < n; i++) out[i] = (int32_t)i;
  for (long i = n - 1; i > 0; i--) {
    long j = (long)r.below((uint64_t)i + 1);
    int32_t t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

void rng_dropout_mask(Rng& r, float* out, long n, float p) {
  const float keep = p < 1.f ? 1.f / (1.f - p) : 0.f;
  for (long i = 0; i < n; i++) out[i] = r.uniform_double() >= p ? keep : 0.f;
}

}  // namespace ng
