// Buffers, threads and the random generator.
#include <algorithm>

#include "bindings/common.h"
#include "kernels/blas_threads.h"
#include "kernels/elementwise.h"

namespace ng {

// detach(buffer): frees a tensor's bytes now instead of at the next GC. Works on the V8-allocated
// ArrayBuffers we use for tensors (never external ones, so it also works under Electron).
static Napi::Value Detach(const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  napi_value ab = v;
  if (v.IsTypedArray())
    ab = v.As<Napi::TypedArray>().ArrayBuffer();
  else if (!v.IsArrayBuffer())
    throw Napi::TypeError::New(info.Env(), "nativegrad (native): detach expects an ArrayBuffer or typed array");
  bool detached = false;
  napi_is_detached_arraybuffer(info.Env(), ab, &detached);
  if (!detached) {
    napi_status st = napi_detach_arraybuffer(info.Env(), ab);
    if (st != napi_ok) return Napi::Boolean::New(info.Env(), false);
  }
  return Napi::Boolean::New(info.Env(), true);
}

// addressMod(bufferOrView, align): the address of its first byte modulo `align` (a power of two
// up to 4096). Lets JS place a tensor's view on a cache-line boundary inside a V8 ArrayBuffer,
// whose backing store malloc aligns to 16 bytes only.
static Napi::Value AddressMod(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value v = info[0];
  const uint8_t* p = nullptr;
  if (v.IsTypedArray()) {
    auto t = v.As<Napi::TypedArray>();
    p = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  } else if (v.IsArrayBuffer()) {
    p = static_cast<const uint8_t*>(v.As<Napi::ArrayBuffer>().Data());
  } else {
    throw Napi::TypeError::New(env, "nativegrad (native): addressMod expects an ArrayBuffer or typed array");
  }
  const long align = size_arg(info, 1, "align");
  if (align < 1 || align > 4096 || (align & (align - 1)) != 0)
    fail(env, "addressMod: align must be a power of two in [1, 4096]");
  return Napi::Number::New(env, (double)(reinterpret_cast<uintptr_t>(p) % (uintptr_t)align));
}

// axpy(dst, src, alpha): dst += alpha · src
static Napi::Value Axpy(const Napi::CallbackInfo& info) {
  F32 src = f32(info, 1, "src");
  float* dst = f32_at_least(info, 0, "dst", src.n);
  axpy(dst, src.p, src.n, (float)num_arg(info, 2, "alpha"));
  return info.Env().Undefined();
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  long n = size_arg(info, 0, "n");
  if (n < 1) fail(info.Env(), "setNumThreads needs n >= 1");
  blas_set_user_threads((int)std::min<long>(n, 1 << 20));
  return info.Env().Undefined();
}
// The pool: the threads one sgemm may use (see kernels/blas_threads.h).
static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), blas_pool_threads());
}
static Napi::Value BlasConfig(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), blas_config()); }

// ---- random numbers (per instance) ----
static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  // seed given as two 32-bit halves so that every 64-bit seed is reachable from JS
  uint64_t hi = (uint64_t)size_arg(info, 0, "hi"), lo = (uint64_t)size_arg(info, 1, "lo");
  instance(info.Env()).rng.seed((hi << 32) | (lo & 0xffffffffULL));
  return info.Env().Undefined();
}
static Napi::Value RngUniform(const Napi::CallbackInfo& info) {
  F32 out = f32(info, 0, "out");
  rng_uniform(instance(info.Env()).rng, out.p, out.n, (float)num_arg(info, 1, "lo"), (float)num_arg(info, 2, "hi"));
  return info.Env().Undefined();
}
static Napi::Value RngNormal(const Napi::CallbackInfo& info) {
  F32 out = f32(info, 0, "out");
  rng_normal(instance(info.Env()).rng, out.p, out.n, (float)num_arg(info, 1, "mean"), (float)num_arg(info, 2, "std"));
  return info.Env().Undefined();
}
static Napi::Value RngPermutation(const Napi::CallbackInfo& info) {
  int32_t* p = i32_at_least(info, 0, "out", 0);  // checks the type before the length is read
  rng_permutation(instance(info.Env()).rng, p, (long)info[0].As<Napi::Int32Array>().ElementLength());
  return info.Env().Undefined();
}
static Napi::Value RngDropoutMask(const Napi::CallbackInfo& info) {
  F32 out = f32(info, 0, "out");
  double p = num_arg(info, 1, "p");
  if (!(p >= 0 && p <= 1)) fail(info.Env(), "dropout p must be in [0, 1]");
  rng_dropout_mask(instance(info.Env()).rng, out.p, out.n, (float)p);
  return info.Env().Undefined();
}
// State as 8 uint32 words, for checkpoints.
static Napi::Value RngGetState(const Napi::CallbackInfo& info) {
  auto out = Napi::Uint32Array::New(info.Env(), 8);
  const Rng& r = instance(info.Env()).rng;
  for (int i = 0; i < 4; i++) {
    out[2 * i] = (uint32_t)(r.s[i] >> 32);
    out[2 * i + 1] = (uint32_t)(r.s[i] & 0xffffffffULL);
  }
  return out;
}
static Napi::Value RngSetState(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
      info[0].As<Napi::Uint32Array>().ElementLength() != 8)
    throw Napi::TypeError::New(info.Env(), "nativegrad (native): RNG state must be a Uint32Array of 8 words");
  auto a = info[0].As<Napi::Uint32Array>();
  Rng& r = instance(info.Env()).rng;
  for (int i = 0; i < 4; i++) r.s[i] = ((uint64_t)a[2 * i] << 32) | a[2 * i + 1];
  if ((r.s[0] | r.s[1] | r.s[2] | r.s[3]) == 0) r.seed(0);  // the all-zero state is a fixed point
  return info.Env().Undefined();
}

static void init(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "detach", Detach);
  set_fn(env, exports, "addressMod", AddressMod);
  set_fn(env, exports, "axpy", Axpy);
  set_fn(env, exports, "setNumThreads", SetNumThreads);
  set_fn(env, exports, "getNumThreads", GetNumThreads);
  set_fn(env, exports, "blasConfig", BlasConfig);
  set_fn(env, exports, "manualSeed", ManualSeed);
  set_fn(env, exports, "rngUniform", RngUniform);
  set_fn(env, exports, "rngNormal", RngNormal);
  set_fn(env, exports, "rngPermutation", RngPermutation);
  set_fn(env, exports, "rngDropoutMask", RngDropoutMask);
  set_fn(env, exports, "rngGetState", RngGetState);
  set_fn(env, exports, "rngSetState", RngSetState);
}
NG_REGISTER(init);

}  // namespace ng
