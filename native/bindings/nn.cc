// Bindings of the fused layer and loss kernels (ng.nn): Linear, softmax + cross-entropy,
// BatchNorm1d, Dropout, MSE. Each checks every buffer length against the sizes it is given
// (lib/nn validates first and words the user-facing errors), then makes one kernel call.
#include <cmath>

#include "bindings/common.h"
#include "kernels/batchnorm.h"
#include "kernels/dropout.h"
#include "kernels/linear.h"
#include "kernels/mse.h"
#include "kernels/softmax_xent.h"

namespace ng {

namespace {

bool absent(const Napi::CallbackInfo& info, size_t i) { return info[i].IsNull() || info[i].IsUndefined(); }

long dim_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  long d = size_arg(info, i, name);
  if (d > INT32_MAX) fail(info.Env(), std::string("argument '") + name + "' is above 2^31");
  return d;
}

// The arguments shared by the Linear bindings: (…, x, w, [b], N, I, O) at the given positions.
struct LinearDims {
  long N, I, O;
};
LinearDims linear_dims(const Napi::CallbackInfo& info, size_t first) {
  return LinearDims{dim_arg(info, first, "N"), dim_arg(info, first + 1, "I"), dim_arg(info, first + 2, "O")};
}

// linearForward(out, x, w, b|null, N, I, O) and linearReluForward(y, x, w, b|null, N, I, O)
template <void (*Kernel)(float*, const float*, const float*, const float*, long, long, long)>
Napi::Value LinearForwardT(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LinearDims d = linear_dims(info, 4);
  float* out = f32_at_least(info, 0, "out", checked_mul(env, d.N, d.O));
  float* x = f32_at_least(info, 1, "x", checked_mul(env, d.N, d.I));
  float* w = f32_at_least(info, 2, "w", checked_mul(env, d.O, d.I));
  float* b = f32_at_least(info, 3, "b", d.O, true);
  Kernel(out, x, w, b, d.N, d.I, d.O);
  return env.Undefined();
}

// The gradient buffers (dx|null, dw|null, db|null) and dout of the Linear backward bindings.
struct LinearGrads {
  float *dx, *dw, *db, *g;
};
LinearGrads linear_grads(const Napi::CallbackInfo& info, const LinearDims& d) {
  Napi::Env env = info.Env();
  return LinearGrads{f32_at_least(info, 0, "dx", checked_mul(env, d.N, d.I), true),
                     f32_at_least(info, 1, "dw", checked_mul(env, d.O, d.I), true),
                     f32_at_least(info, 2, "db", d.O, true), f32_at_least(info, 3, "dout", checked_mul(env, d.N, d.O))};
}

// linearBackward(dx|null, dw|null, db|null, dout, x, w, N, I, O)
Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LinearDims d = linear_dims(info, 6);
  LinearGrads gr = linear_grads(info, d);
  float* x = f32_at_least(info, 4, "x", checked_mul(env, d.N, d.I));
  float* w = f32_at_least(info, 5, "w", checked_mul(env, d.O, d.I));
  linear_backward(gr.dx, gr.dw, gr.db, gr.g, x, w, d.N, d.I, d.O);
  return env.Undefined();
}

// linearReluBackward(dx|null, dw|null, db|null, dout, y, x, w, N, I, O)
Napi::Value LinearReluBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LinearDims d = linear_dims(info, 7);
  LinearGrads gr = linear_grads(info, d);
  float* y = f32_at_least(info, 4, "y", checked_mul(env, d.N, d.O));
  float* x = f32_at_least(info, 5, "x", checked_mul(env, d.N, d.I));
  float* w = f32_at_least(info, 6, "w", checked_mul(env, d.O, d.I));
  linear_relu_backward(gr.dx, gr.dw, gr.db, gr.g, y, x, w, d.N, d.I, d.O);
  return env.Undefined();
}

// The target of a cross-entropy call: class indices (checked to lie in [0, K) unless equal to the
// ignored index) or probability rows, and the optional class weights [K].
struct XentTarget {
  const int32_t* classes = nullptr;
  float* probs = nullptr;
  const float* weight = nullptr;
  long ignore = kNoIgnore;
};
// Arguments i, i + 1: classes|null, target|null; w, w + 1 (optional): weight|null, ignoreIndex|null.
XentTarget xent_target(const Napi::CallbackInfo& info, size_t i, size_t w, long N, long K) {
  Napi::Env env = info.Env();
  XentTarget t;
  if (!absent(info, w + 1)) {
    const double ii = num_arg(info, w + 1, "ignoreIndex");
    if (!(ii == std::floor(ii) && ii >= -2147483648.0 && ii <= 2147483647.0))
      fail(env, "ignoreIndex must be a 32-bit integer");
    t.ignore = (long)ii;
  }
  if (!absent(info, i)) {
    t.classes = i32_at_least(info, i, "classes", N);
    for (long n = 0; n < N; n++)
      if ((t.classes[n] < 0 || t.classes[n] >= K) && t.classes[n] != t.ignore)
        fail(env, "class index " + std::to_string(t.classes[n]) + " at row " + std::to_string(n) + " is outside [0, " +
                      std::to_string(K) + ")");
  }
  t.probs = f32_at_least(info, i + 1, "target", checked_mul(env, N, K), true);
  // presence is decided by the arguments, not the pointers: an empty array's data pointer may be null
  if (absent(info, i) == absent(info, i + 1)) fail(env, "give exactly one of classes and target");
  if (t.probs && t.ignore != kNoIgnore) fail(env, "ignoreIndex needs class-index targets");
  t.weight = f32_at_least(info, w, "weight", K, true);
  return t;
}

// softmaxXentForward(loss, probs, lse, logits, classes|null, target|null, N, K, smoothing,
//                    weight?|null, ignoreIndex?|null) → Σ loss
Napi::Value SoftmaxXentForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 6, "N"), K = size_arg(info, 7, "K");
  long NK = checked_mul(env, N, K);
  if (K == 0 && N > 0) fail(env, "cross-entropy needs at least one class");
  float* loss = f32_at_least(info, 0, "loss", N);
  float* probs = f32_at_least(info, 1, "probs", NK);
  float* lse = f32_at_least(info, 2, "lse", N);
  float* logits = f32_at_least(info, 3, "logits", NK);
  XentTarget t = xent_target(info, 4, 9, N, K);
  double smoothing = num_arg(info, 8, "smoothing");
  if (!(smoothing >= 0 && smoothing <= 1)) fail(env, "smoothing must be in [0, 1]");
  return Napi::Number::New(env, softmax_xent_forward(loss, probs, lse, logits, t.classes, t.probs, N, K,
                                                     (float)smoothing, t.weight, t.ignore));
}

// softmaxXentBackward(dlogits|null, dtarget|null, dloss, dlossStride, scale, probs, lse, logits,
//                     classes|null, target|null, N, K, smoothing, weight?|null, ignoreIndex?|null)
Napi::Value SoftmaxXentBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 10, "N"), K = size_arg(info, 11, "K");
  long NK = checked_mul(env, N, K);
  if (K == 0 && N > 0) fail(env, "cross-entropy needs at least one class");
  float* dlogits = f32_at_least(info, 0, "dlogits", NK, true);
  float* dtarget = f32_at_least(info, 1, "dtarget", NK, true);
  long stride = size_arg(info, 3, "dlossStride");
  if (stride > 1) fail(env, "dlossStride must be 0 or 1");
  float* dloss = f32_at_least(info, 2, "dloss", stride ? N : 1);
  float scale = (float)num_arg(info, 4, "scale");
  float* probs = f32_at_least(info, 5, "probs", NK);
  float* lse = f32_at_least(info, 6, "lse", N);
  float* logits = f32_at_least(info, 7, "logits", NK);
  XentTarget t = xent_target(info, 8, 13, N, K);
  double smoothing = num_arg(info, 12, "smoothing");
  if (!(smoothing >= 0 && smoothing <= 1)) fail(env, "smoothing must be in [0, 1]");
  if (N > 0)
    softmax_xent_backward(dlogits, dtarget, dloss, stride, scale, probs, lse, logits, t.classes, t.probs, N, K,
                          (float)smoothing, t.weight, t.ignore);
  return env.Undefined();
}

// batchNorm1dForward(out, mean, rstd, runningMean|null, runningVar|null, x, weight|null, bias|null,
//                    N, C, L, eps, factor, batchStats)
Napi::Value BatchNorm1dForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 8, "N"), C = size_arg(info, 9, "C"), L = size_arg(info, 10, "L");
  long n = checked_mul(env, checked_mul(env, N, C), L);
  float* out = f32_at_least(info, 0, "out", n);
  float* mean = f32_at_least(info, 1, "mean", C);
  float* rstd = f32_at_least(info, 2, "rstd", C);
  float* rm = f32_at_least(info, 3, "runningMean", C, true);
  float* rv = f32_at_least(info, 4, "runningVar", C, true);
  float* x = f32_at_least(info, 5, "x", n);
  float* w = f32_at_least(info, 6, "weight", C, true);
  float* b = f32_at_least(info, 7, "bias", C, true);
  float eps = (float)num_arg(info, 11, "eps"), factor = (float)num_arg(info, 12, "factor");
  bool batch_stats = info[13].ToBoolean();
  if (batch_stats && (N == 0 || L == 0)) fail(env, "batch statistics of an empty batch");
  // with n = 0 no buffer bounds N or L (each may be up to 2^53): loop over no rows instead
  if (n == 0) N = L = 0;
  if (batch_stats) {
    if (n > 0) batchnorm1d_forward_train(out, mean, rstd, rm, rv, x, w, b, N, C, L, eps, factor);  // n = 0: C = 0
  } else {
    if (absent(info, 3) || absent(info, 4)) fail(env, "running statistics are needed without batch statistics");
    batchnorm1d_forward_eval(out, mean, rstd, x, rm, rv, w, b, N, C, L, eps);
  }
  return env.Undefined();
}

// batchNorm1dBackward(dx|null, dweight|null, dbias|null, dout, x, mean, rstd, weight|null, N, C, L, batchStats)
Napi::Value BatchNorm1dBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 8, "N"), C = size_arg(info, 9, "C"), L = size_arg(info, 10, "L");
  long n = checked_mul(env, checked_mul(env, N, C), L);
  float* dx = f32_at_least(info, 0, "dx", n, true);
  float* dw = f32_at_least(info, 1, "dweight", C, true);
  float* db = f32_at_least(info, 2, "dbias", C, true);
  float* g = f32_at_least(info, 3, "dout", n);
  float* x = f32_at_least(info, 4, "x", n);
  float* mean = f32_at_least(info, 5, "mean", C);
  float* rstd = f32_at_least(info, 6, "rstd", C);
  float* w = f32_at_least(info, 7, "weight", C, true);
  if (n > 0) batchnorm1d_backward(dx, dw, db, g, x, mean, rstd, w, N, C, L, info[11].ToBoolean());
  return env.Undefined();
}

// dropoutForward(out, mask, x, p)
Napi::Value DropoutForward(const Napi::CallbackInfo& info) {
  F32 x = f32(info, 2, "x");
  float* out = f32_at_least(info, 0, "out", x.n);
  float* mask = f32_at_least(info, 1, "mask", x.n);
  double p = num_arg(info, 3, "p");
  if (!(p >= 0 && p <= 1)) fail(info.Env(), "dropout p must be in [0, 1]");
  dropout_forward(instance(info.Env()).rng, out, mask, x.p, x.n, (float)p);
  return info.Env().Undefined();
}

// dropoutBackward(dx, dout, mask)
Napi::Value DropoutBackward(const Napi::CallbackInfo& info) {
  F32 mask = f32(info, 2, "mask");
  float* dx = f32_at_least(info, 0, "dx", mask.n);
  float* g = f32_at_least(info, 1, "dout", mask.n);
  dropout_backward(dx, g, mask.p, mask.n);
  return info.Env().Undefined();
}

// mseForward(each|null, a, b) → Σ (a − b)²
Napi::Value MseForward(const Napi::CallbackInfo& info) {
  F32 a = f32(info, 1, "a");
  float* b = f32_at_least(info, 2, "b", a.n);
  float* each = f32_at_least(info, 0, "each", a.n, true);
  return Napi::Number::New(info.Env(), mse_forward(each, a.p, b, a.n));
}

// mseBackward(da|null, db|null, dout, doutStride, scale, a, b)
Napi::Value MseBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 a = f32(info, 5, "a");
  float* b = f32_at_least(info, 6, "b", a.n);
  float* da = f32_at_least(info, 0, "da", a.n, true);
  float* db = f32_at_least(info, 1, "db", a.n, true);
  long stride = size_arg(info, 3, "doutStride");
  if (stride > 1) fail(env, "doutStride must be 0 or 1");
  float* g = f32_at_least(info, 2, "dout", stride ? a.n : 1);
  if (a.n > 0) mse_backward(da, db, g, stride, (float)num_arg(info, 4, "scale"), a.p, b, a.n);
  return env.Undefined();
}

}  // namespace

static void init_nn(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "linearForward", LinearForwardT<linear_forward>);
  set_fn(env, exports, "linearBackward", LinearBackward);
  set_fn(env, exports, "linearReluForward", LinearForwardT<linear_relu_forward>);
  set_fn(env, exports, "linearReluBackward", LinearReluBackward);
  set_fn(env, exports, "softmaxXentForward", SoftmaxXentForward);
  set_fn(env, exports, "softmaxXentBackward", SoftmaxXentBackward);
  set_fn(env, exports, "batchNorm1dForward", BatchNorm1dForward);
  set_fn(env, exports, "batchNorm1dBackward", BatchNorm1dBackward);
  set_fn(env, exports, "dropoutForward", DropoutForward);
  set_fn(env, exports, "dropoutBackward", DropoutBackward);
  set_fn(env, exports, "mseForward", MseForward);
  set_fn(env, exports, "mseBackward", MseBackward);
}
NG_REGISTER(init_nn);

}  // namespace ng
