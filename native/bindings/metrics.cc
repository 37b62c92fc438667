// Bindings of kernels/metrics.h.
#include "kernels/metrics.h"

#include "bindings/common.h"

namespace ng {

// argmaxRows(out: Int32Array [N], x: Float32Array [N, K], N, K)
static Napi::Value ArgmaxRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 2, "N"), K = size_arg(info, 3, "K");
  int32_t* out = i32_at_least(info, 0, "out", N);
  float* x = f32_at_least(info, 1, "x", checked_mul(env, N, K));
  argmax_rows(out, x, N, K);
  return env.Undefined();
}

// countCorrect(x: Float32Array [N, K], labels: Int32Array [N], N, K) → number
static Napi::Value CountCorrect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 2, "N"), K = size_arg(info, 3, "K");
  float* x = f32_at_least(info, 0, "x", checked_mul(env, N, K));
  int32_t* labels = i32_at_least(info, 1, "labels", N);
  return Napi::Number::New(env, (double)count_correct(x, labels, N, K));
}

static void init(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "argmaxRows", ArgmaxRows);
  set_fn(env, exports, "countCorrect", CountCorrect);
}
NG_REGISTER(init);

}  // namespace ng
