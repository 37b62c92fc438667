// N-API glue shared by every binding file: argument borrowing with re-checked lengths,
// per-instance state, and self-registration of binding groups.
//
// The TypeScript layer validates every public argument first and formats the user-facing error;
// these checks are the second line: whatever a caller passes, no kernel reads or writes out of bounds.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "kernels/rng.h"

namespace ng {

// State owned by one addon instance (the main thread, or one worker thread).
struct Instance {
  Rng rng;
  Instance() { rng.seed(0x5eedULL); }
};
inline Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

[[noreturn]] inline void fail(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, "nativegrad (native): " + msg);
}

// A Float32Array argument borrowed for the duration of the call.
struct F32 {
  float* p;
  long n;
};
inline F32 f32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be a Float32Array");
  auto a = v.As<Napi::Float32Array>();
  return F32{a.Data(), (long)a.ElementLength()};
}
// A Float32Array argument that must hold at least `need` elements; null/undefined gives nullptr.
inline float* f32_at_least(const Napi::CallbackInfo& info, size_t i, const char* name, long need,
                           bool optional = false) {
  if (optional && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
  F32 a = f32(info, i, name);
  if (a.n < need)
    fail(info.Env(), std::string("argument '") + name + "' has " + std::to_string(a.n) +
                         " elements, the kernel needs " + std::to_string(need));
  return a.p;
}
inline int32_t* i32_at_least(const Napi::CallbackInfo& info, size_t i, const char* name, long need) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  if ((long)a.ElementLength() < need)
    fail(info.Env(), std::string("argument '") + name + "' has " + std::to_string(a.ElementLength()) +
                         " elements, the kernel needs " + std::to_string(need));
  return a.Data();
}
// A non-negative integer argument (a size, an index, an enum).
inline long size_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber())
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != (double)(long)d || d > 9007199254740991.0)
    fail(info.Env(), std::string("argument '") + name + "' must be a non-negative integer, got " + std::to_string(d));
  return (long)d;
}
inline double num_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber())
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}
// product of sizes, failing (instead of overflowing) above 2^53
inline long checked_mul(Napi::Env env, long a, long b) {
  if (a != 0 && b > 9007199254740991L / a) fail(env, "size overflow");
  return a * b;
}

// Records that the user set OpenBLAS's thread count (addon.cc then leaves it alone).
void threads_set_by_user();

// Each binding file registers a function that adds its exports: NG_REGISTER(init_matmul);
using InitFn = void (*)(Napi::Env, Napi::Object);
int register_binding(InitFn fn);
#define NG_REGISTER(fn) static const int ng_registered_##fn = ::ng::register_binding(fn)

inline void set_fn(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback cb) {
  exports.Set(name, Napi::Function::New(env, cb, name));
}

}  // namespace ng
