// Bindings of the optimizer step kernels (kernels/optim.h). Each function takes JS arrays of
// Float32Arrays — the parameters of one group, their gradients and their state buffers — checks
// that every buffer has its parameter's length, and loops over the tensors in C++: one call per
// optimizer step and parameter group. Scalar hyper-parameters arrive as JS doubles; the derived
// ones (1 − β, bias corrections, 1 − ηλ) are computed here in double and rounded once to float.
#include <cmath>
#include <string>
#include <vector>

#include "bindings/common.h"
#include "kernels/optim.h"

namespace ng {

namespace {

// A JS array of Float32Arrays. With `like` given, it must have as many entries as `like` and each
// entry its counterpart's length. With `optional`, null/undefined gives an empty list.
std::vector<F32> f32_list(const Napi::CallbackInfo& info, size_t i, const char* name,
                          const std::vector<F32>* like, bool optional = false) {
  Napi::Env env = info.Env();
  std::vector<F32> out;
  Napi::Value v = info[i];
  if (optional && (v.IsNull() || v.IsUndefined())) return out;
  if (!v.IsArray())
    throw Napi::TypeError::New(env, std::string("nativegrad (native): argument '") + name + "' must be an array of Float32Arrays");
  Napi::Array arr = v.As<Napi::Array>();
  uint32_t len = arr.Length();
  if (like && len != like->size())
    fail(env, std::string("argument '") + name + "' has " + std::to_string(len) + " entries, expected " +
                  std::to_string(like->size()));
  out.reserve(len);
  for (uint32_t k = 0; k < len; k++) {
    Napi::Value e = arr.Get(k);
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(env, std::string("nativegrad (native): ") + name + "[" + std::to_string(k) +
                                          "] must be a Float32Array");
    auto a = e.As<Napi::Float32Array>();
    F32 f{a.Data(), (long)a.ElementLength()};
    if (like && f.n != (*like)[k].n)
      fail(env, std::string(name) + "[" + std::to_string(k) + "] has " + std::to_string(f.n) +
                    " elements, its parameter has " + std::to_string((*like)[k].n));
    out.push_back(f);
  }
  return out;
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean())
    throw Napi::TypeError::New(info.Env(), std::string("nativegrad (native): argument '") + name + "' must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

float* at(const std::vector<F32>& list, size_t k) { return list.empty() ? nullptr : list[k].p; }

// sgdStep(params[], grads[], buffers[] | null, fresh: Int32Array | null, lr, momentum, dampening,
//         weightDecay, nesterov)
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  auto params = f32_list(info, 0, "params", nullptr);
  auto grads = f32_list(info, 1, "grads", &params);
  auto bufs = f32_list(info, 2, "buffers", &params, true);
  const int32_t* fresh = bufs.empty() ? nullptr : i32_at_least(info, 3, "fresh", (long)params.size());
  SgdHyper h{};
  h.lr = (float)num_arg(info, 4, "lr");
  h.momentum = (float)num_arg(info, 5, "momentum");
  h.one_minus_dampening = (float)(1.0 - num_arg(info, 6, "dampening"));
  h.weight_decay = (float)num_arg(info, 7, "weightDecay");
  h.nesterov = bool_arg(info, 8, "nesterov");
  for (size_t k = 0; k < params.size(); k++)
    sgd_step(params[k].p, grads[k].p, at(bufs, k), fresh && fresh[k] != 0, params[k].n, h);
  return info.Env().Undefined();
}

// rmspropStep(params[], grads[], squareAvg[], gradAvg[] | null, buffers[] | null, lr, alpha, eps,
//             weightDecay, momentum)
Napi::Value RmspropStep(const Napi::CallbackInfo& info) {
  auto params = f32_list(info, 0, "params", nullptr);
  auto grads = f32_list(info, 1, "grads", &params);
  auto sq = f32_list(info, 2, "squareAvg", &params);
  auto gavg = f32_list(info, 3, "gradAvg", &params, true);
  auto bufs = f32_list(info, 4, "buffers", &params, true);
  RmspropHyper h{};
  h.lr = (float)num_arg(info, 5, "lr");
  double alpha = num_arg(info, 6, "alpha");
  h.alpha = (float)alpha;
  h.one_minus_alpha = (float)(1.0 - alpha);
  h.eps = (float)num_arg(info, 7, "eps");
  h.weight_decay = (float)num_arg(info, 8, "weightDecay");
  h.momentum = (float)num_arg(info, 9, "momentum");
  h.centered = !gavg.empty();
  for (size_t k = 0; k < params.size(); k++)
    rmsprop_step(params[k].p, grads[k].p, sq[k].p, at(gavg, k), at(bufs, k), params[k].n, h);
  return info.Env().Undefined();
}

// adamStep(params[], grads[], expAvg[], expAvgSq[], maxExpAvgSq[] | null, steps: Float64Array,
//          lr, beta1, beta2, eps, weightDecay, decoupled)
// steps[k] is tensor k's step count t after this step (from 1): bias corrections 1 − βᵗ per tensor.
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto params = f32_list(info, 0, "params", nullptr);
  auto grads = f32_list(info, 1, "grads", &params);
  auto m = f32_list(info, 2, "expAvg", &params);
  auto v = f32_list(info, 3, "expAvgSq", &params);
  auto vmax = f32_list(info, 4, "maxExpAvgSq", &params, true);
  if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "nativegrad (native): argument 'steps' must be a Float64Array");
  auto steps = info[5].As<Napi::Float64Array>();
  if (steps.ElementLength() < params.size()) fail(env, "argument 'steps' has fewer entries than params");
  const double lr = num_arg(info, 6, "lr"), beta1 = num_arg(info, 7, "beta1"), beta2 = num_arg(info, 8, "beta2");
  const double eps = num_arg(info, 9, "eps"), wd = num_arg(info, 10, "weightDecay");
  const bool decoupled = bool_arg(info, 11, "decoupled");
  AdamHyper h{};
  h.beta1 = (float)beta1;
  h.beta2 = (float)beta2;
  h.one_minus_beta1 = (float)(1.0 - beta1);
  h.one_minus_beta2 = (float)(1.0 - beta2);
  h.eps = (float)eps;
  h.weight_decay = decoupled ? 0.0f : (float)wd;
  h.decay_factor = decoupled ? (float)(1.0 - lr * wd) : 1.0f;
  h.amsgrad = !vmax.empty();
  for (size_t k = 0; k < params.size(); k++) {
    const double t = steps[k];
    if (!(t >= 1)) fail(env, "steps[" + std::to_string(k) + "] must be >= 1");
    h.step_size = (float)(lr / (1.0 - std::pow(beta1, t)));
    h.bias_correction2_sqrt = (float)std::sqrt(1.0 - std::pow(beta2, t));
    adam_step(params[k].p, grads[k].p, m[k].p, v[k].p, at(vmax, k), params[k].n, h);
  }
  return env.Undefined();
}

// rpropStep(params[], grads[], prev[], stepSizes[], etaMinus, etaPlus, stepMin, stepMax)
Napi::Value RpropStep(const Napi::CallbackInfo& info) {
  auto params = f32_list(info, 0, "params", nullptr);
  auto grads = f32_list(info, 1, "grads", &params);
  auto prev = f32_list(info, 2, "prev", &params);
  auto sizes = f32_list(info, 3, "stepSizes", &params);
  RpropHyper h{};
  h.eta_minus = (float)num_arg(info, 4, "etaMinus");
  h.eta_plus = (float)num_arg(info, 5, "etaPlus");
  h.step_min = (float)num_arg(info, 6, "stepMin");
  h.step_max = (float)num_arg(info, 7, "stepMax");
  for (size_t k = 0; k < params.size(); k++)
    rprop_step(params[k].p, grads[k].p, prev[k].p, sizes[k].p, params[k].n, h);
  return info.Env().Undefined();
}

// emaUpdate(averages[], params[], decay)
Napi::Value EmaUpdate(const Napi::CallbackInfo& info) {
  auto avg = f32_list(info, 0, "averages", nullptr);
  auto params = f32_list(info, 1, "params", &avg);
  const double decay = num_arg(info, 2, "decay");
  for (size_t k = 0; k < avg.size(); k++)
    ema_update(avg[k].p, params[k].p, avg[k].n, (float)decay, (float)(1.0 - decay));
  return info.Env().Undefined();
}

void init_optim(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "sgdStep", SgdStep);
  set_fn(env, exports, "rmspropStep", RmspropStep);
  set_fn(env, exports, "adamStep", AdamStep);
  set_fn(env, exports, "rpropStep", RpropStep);
  set_fn(env, exports, "emaUpdate", EmaUpdate);
}

}  // namespace

NG_REGISTER(init_optim);

}  // namespace ng
