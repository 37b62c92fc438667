// Benchmark harness in C++ (not part of the library's API): times raw cblas_sgemm in a C++ loop,
// so that scripts/bench/suite-core.ts can compare ng.matmul with the BLAS call it wraps, measured
// in the same process with the same OpenBLAS thread count.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "bindings/common.h"

namespace ng {

namespace {

using Clock = std::chrono::steady_clock;

// benchSgemm(out [M*N], a [M*K], b [K*N], M, K, N, samples, minSeconds) → Float64Array [samples]
// Each entry is the mean seconds per cblas_sgemm call (row-major, no transposes, alpha 1, beta 0)
// over a batch of calls lasting at least minSeconds; the batch size is calibrated after 3 warm-up
// calls. `out` holds the product afterwards, so the caller can validate it.
Napi::Value BenchSgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long M = size_arg(info, 3, "M"), K = size_arg(info, 4, "K"), N = size_arg(info, 5, "N");
  if (M < 1 || K < 1 || N < 1 || M > INT32_MAX || K > INT32_MAX || N > INT32_MAX)
    fail(env, "benchSgemm needs sizes in [1, 2^31)");
  float* out = f32_at_least(info, 0, "out", checked_mul(env, M, N));
  const float* a = f32_at_least(info, 1, "a", checked_mul(env, M, K));
  const float* b = f32_at_least(info, 2, "b", checked_mul(env, K, N));
  long samples = size_arg(info, 6, "samples");
  double min_seconds = num_arg(info, 7, "minSeconds");
  if (samples < 1 || samples > 1000) fail(env, "samples must be in [1, 1000]");
  if (!(min_seconds > 0 && min_seconds <= 10)) fail(env, "minSeconds must be in (0, 10]");

  auto call = [&]() {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)N, (int)K, 1.f, a, (int)K, b, (int)N, 0.f, out,
                (int)N);
  };
  auto seconds_for = [&](long batch) {
    const auto t0 = Clock::now();
    for (long i = 0; i < batch; i++) call();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  for (int i = 0; i < 3; i++) call();
  long batch = 1;
  for (;;) {  // grow the batch until it lasts a quarter of a sample, then scale it to a full one
    double dt = seconds_for(batch);
    if (dt >= min_seconds / 4 || batch >= (1L << 24)) {
      batch = std::max(1L, (long)std::ceil(batch * min_seconds / std::max(dt, 1e-9)));
      break;
    }
    batch *= 4;
  }
  auto result = Napi::Float64Array::New(env, (size_t)samples);
  for (long s = 0; s < samples; s++) result[(size_t)s] = seconds_for(batch) / (double)batch;
  return result;
}

}  // namespace

static void init(Napi::Env env, Napi::Object exports) { set_fn(env, exports, "benchSgemm", BenchSgemm); }
NG_REGISTER(init);

}  // namespace ng
