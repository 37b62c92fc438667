// Bindings of kernels/linalg.h, exported as linalgEigh / linalgSolveSym / linalgCholeskySolve.
// Each takes Float32Arrays (LAPACK s*) or Float64Arrays (LAPACK d*), all of the same type, and
// returns the status of kernels/linalg.h (0 = success).
#include "kernels/linalg.h"

#include "bindings/common.h"

namespace ng {
namespace {

template <typename T>
T* typed_at_least(const Napi::CallbackInfo& info, size_t i, const char* name, long need, napi_typedarray_type type) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(info.Env(), std::string("nativegrad (native): argument '") + name + "' must be a " +
                                               (type == napi_float32_array ? "Float32Array" : "Float64Array") +
                                               " (all arguments of one type)");
  auto a = v.As<Napi::TypedArray>();
  if ((long)a.ElementLength() < need)
    fail(info.Env(), std::string("argument '") + name + "' has " + std::to_string(a.ElementLength()) +
                         " elements, the kernel needs " + std::to_string(need));
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

napi_typedarray_type float_type(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) return napi_float64_array;
  return napi_float32_array;
}

template <typename T>
int eigh_call(const Napi::CallbackInfo& info, napi_typedarray_type t) {
  Napi::Env env = info.Env();
  long n = size_arg(info, 3, "n");
  long nn = checked_mul(env, n, n);
  T* values = typed_at_least<T>(info, 0, "values", n, t);
  T* vectors = typed_at_least<T>(info, 1, "vectors", nn, t);
  T* a = typed_at_least<T>(info, 2, "a", nn, t);
  return eigh<T>(values, vectors, a, n);
}

// linalgEigh(values [n], vectors [n, n], a [n, n], n) → status
Napi::Value Eigh(const Napi::CallbackInfo& info) {
  napi_typedarray_type t = float_type(info, 0);
  int r = t == napi_float64_array ? eigh_call<double>(info, t) : eigh_call<float>(info, t);
  return Napi::Number::New(info.Env(), r);
}

template <typename T>
int solve_call(const Napi::CallbackInfo& info, napi_typedarray_type t, bool spd) {
  Napi::Env env = info.Env();
  long n = size_arg(info, 3, "n"), k = size_arg(info, 4, "k");
  long nn = checked_mul(env, n, n), nk = checked_mul(env, n, k);
  T* x = typed_at_least<T>(info, 0, "x", nk, t);
  T* a = typed_at_least<T>(info, 1, "a", nn, t);
  T* b = typed_at_least<T>(info, 2, "b", nk, t);
  return spd ? cholesky_solve<T>(x, a, b, n, k) : solve_sym<T>(x, a, b, n, k);
}

// linalgSolveSym(x [n, k], a [n, n], b [n, k], n, k) → status     (LDLᵀ, any non-singular symmetric a)
Napi::Value SolveSym(const Napi::CallbackInfo& info) {
  napi_typedarray_type t = float_type(info, 0);
  int r = t == napi_float64_array ? solve_call<double>(info, t, false) : solve_call<float>(info, t, false);
  return Napi::Number::New(info.Env(), r);
}
// linalgCholeskySolve(x [n, k], a [n, n], b [n, k], n, k) → status   (symmetric positive-definite a)
Napi::Value CholeskySolve(const Napi::CallbackInfo& info) {
  napi_typedarray_type t = float_type(info, 0);
  int r = t == napi_float64_array ? solve_call<double>(info, t, true) : solve_call<float>(info, t, true);
  return Napi::Number::New(info.Env(), r);
}

void init(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "linalgEigh", Eigh);
  set_fn(env, exports, "linalgSolveSym", SolveSym);
  set_fn(env, exports, "linalgCholeskySolve", CholeskySolve);
}

}  // namespace
NG_REGISTER(init);
}  // namespace ng
