// Random numbers for everything in the library that draws (init, randn/rand, shuffling, dropout).
// xoshiro256** seeded through splitmix64; one generator per addon instance (main thread or worker),
// so threads never share state. Its 256-bit state can be saved and restored (checkpoints).
#pragma once
#include <cstdint>

namespace ng {

struct Rng {
  uint64_t s[4];
  void seed(uint64_t seed);
  uint64_t next();
  // uniform in [0, 1) with 24 random bits (every float32 value of that grid is equally likely)
  float uniform() { return (float)(next() >> 40) * (1.0f / 16777216.0f); }
  // uniform in [0, 1) with 53 random bits
  double uniform_double() { return (double)(next() >> 11) * (1.0 / 9007199254740992.0); }
  // uniform integer in [0, n)
  uint64_t below(uint64_t n);
};

// out [n] ~ U(lo, hi)
void rng_uniform(Rng& r, float* out, long n, float lo, float hi);
// out [n] ~ N(mean, std²), Box–Muller in double precision
void rng_normal(Rng& r, float* out, long n, float mean, float std);
// out [n] = a uniformly random permutation of 0 … n−1 (Fisher–Yates)
void rng_permutation(Rng& r, int32_t* out, long n);
// out [n] = 1/(1−p) with probability 1−p, else 0 (an inverted-dropout mask)
void rng_dropout_mask(Rng& r, float* out, long n, float p);

}  // namespace ng
