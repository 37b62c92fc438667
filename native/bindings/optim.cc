// Bindings of the optimizer step kernels (kernels/optim.h). Each function takes JS arrays of
// Float32Arrays — the parameters of one group, their gradients and their state buffers — checks
// that every buffer has its parameter's length, and loops over the tensors in C++: one call per
// optimizer step and parameter group. Scalar hyper-parameters arrive as JS doubles; the derived
// ones (1 − β, bias corrections, 1 − ηλ) are computed here in double and rounded once to float.
#include "kernels/optim.h"

#include <cmath>
#include <string>
#include <vector>

#include "bindings/common.h"

namespace ng {

namespace {

// A JS array of Float32Arrays, read in two steps. fetch() gets the elements, which may run user
// code (an index getter, for instance); resolve() then takes each element's data pointer and length
// without running any. Every binding below fetches all of its lists before it resolves any of them,
// so no getter can detach or shrink a buffer whose pointer a kernel is about to use.
struct List {
  bool present = false;
  std::vector<Napi::Value> items;
};
List fetch(const Napi::CallbackInfo& info, size_t i, const char* name, bool optional = false) {
  List out;
  Napi::Value v = info[i];
  if (optional && (v.IsNull() || v.IsUndefined())) return out;
  if (!v.IsArray())
    throw Napi::TypeError::New(
        info.Env(), std::string("nativegrad (native): argument '") + name + "' must be an array of Float32Arrays");
  Napi::Array arr = v.As<Napi::Array>();
  const uint32_t len = arr.Length();
  out.present = true;
  out.items.reserve(len);
  for (uint32_t k = 0; k < len; k++) out.items.push_back(arr.Get(k));
  return out;
}
// With `like` given, the list must have as many entries as `like` and each entry its counterpart's
// length. An absent optional list gives an empty vector.
std::vector<F32> resolve(Napi::Env env, const List& list, const char* name, const std::vector<F32>* like) {
  std::vector<F32> out;
  if (!list.present) return out;
  if (like && list.items.size() != like->size())
    fail(env, std::string("argument '") + name + "' has " + std::to_string(list.items.size()) + " entries, expected " +
                  std::to_string(like->size()));
  out.reserve(list.items.size());
  for (size_t k = 0; k < list.items.size(); k++) {
    napi_typedarray_type type;
    size_t len = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, list.items[k], &type, &len, &data, nullptr, nullptr) != napi_ok ||
        type != napi_float32_array)
      throw Napi::TypeError::New(
          env, std::string("nativegrad (native): ") + name + "[" + std::to_string(k) + "] must be a Float32Array");
    F32 f{static_cast<float*>(data), (long)len};
    if (like && f.n != (*like)[k].n)
      fail(env, std::string(name) + "[" + std::to_string(k) + "] has " + std::to_string(f.n) +
                    " elements, its parameter has " + std::to_string((*like)[k].n));
    out.push_back(f);
  }
  return out;
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean())
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

float* at(const std::vector<F32>& list, size_t k) { return list.empty() ? nullptr : list[k].p; }

// sgdStep(params[], grads[], buffers[] | null, fresh: Int32Array | null, lr, momentum, dampening,
//         weightDecay, nesterov)
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  List lp = fetch(info, 0, "params"), lg = fetch(info, 1, "grads"), lb = fetch(info, 2, "buffers", true);
  auto params = resolve(env, lp, "params", nullptr);
  auto grads = resolve(env, lg, "grads", &params);
  auto bufs = resolve(env, lb, "buffers", &params);
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
  Napi::Env env = info.Env();
  List lp = fetch(info, 0, "params"), lg = fetch(info, 1, "grads"), ls = fetch(info, 2, "squareAvg");
  List la = fetch(info, 3, "gradAvg", true), lb = fetch(info, 4, "buffers", true);
  auto params = resolve(env, lp, "params", nullptr);
  auto grads = resolve(env, lg, "grads", &params);
  auto sq = resolve(env, ls, "squareAvg", &params);
  auto gavg = resolve(env, la, "gradAvg", &params);
  auto bufs = resolve(env, lb, "buffers", &params);
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
  List lp = fetch(info, 0, "params"), lg = fetch(info, 1, "grads"), lm = fetch(info, 2, "expAvg");
  List lv = fetch(info, 3, "expAvgSq"), lx = fetch(info, 4, "maxExpAvgSq", true);
  auto params = resolve(env, lp, "params", nullptr);
  auto grads = resolve(env, lg, "grads", &params);
  auto m = resolve(env, lm, "expAvg", &params);
  auto v = resolve(env, lv, "expAvgSq", &params);
  auto vmax = resolve(env, lx, "maxExpAvgSq", &params);
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
  Napi::Env env = info.Env();
  List lp = fetch(info, 0, "params"), lg = fetch(info, 1, "grads");
  List lv = fetch(info, 2, "prev"), ls = fetch(info, 3, "stepSizes");
  auto params = resolve(env, lp, "params", nullptr);
  auto grads = resolve(env, lg, "grads", &params);
  auto prev = resolve(env, lv, "prev", &params);
  auto sizes = resolve(env, ls, "stepSizes", &params);
  RpropHyper h{};
  h.eta_minus = (float)num_arg(info, 4, "etaMinus");
  h.eta_plus = (float)num_arg(info, 5, "etaPlus");
  h.step_min = (float)num_arg(info, 6, "stepMin");
  h.step_max = (float)num_arg(info, 7, "stepMax");
  for (size_t k = 0; k < params.size(); k++) rprop_step(params[k].p, grads[k].p, prev[k].p, sizes[k].p, params[k].n, h);
  return info.Env().Undefined();
}

// emaUpdate(averages[], params[], decay)
Napi::Value EmaUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  List la = fetch(info, 0, "averages"), lp = fetch(info, 1, "params");
  auto avg = resolve(env, la, "averages", nullptr);
  auto params = resolve(env, lp, "params", &avg);
  const double decay = num_arg(info, 2, "decay");
  for (size_t k = 0; k < avg.size(); k++)
    ema_update(avg[k].p, params[k].p, avg[k].n, (float)decay, (float)(1.0 - decay));
  return info.Env().Undefined();
}

// optimizerStepsFuse(): whether the step kernels fuse multiply-adds where PyTorch does (see optim.cc)
Napi::Value OptimizerStepsFuse(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), optimizer_steps_fuse());
}

void init_optim(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "sgdStep", SgdStep);
  set_fn(env, exports, "rmspropStep", RmspropStep);
  set_fn(env, exports, "adamStep", AdamStep);
  set_fn(env, exports, "rpropStep", RpropStep);
  set_fn(env, exports, "emaUpdate", EmaUpdate);
  set_fn(env, exports, "optimizerStepsFuse", OptimizerStepsFuse);
}

}  // namespace

NG_REGISTER(init_optim);

}  // namespace ng
