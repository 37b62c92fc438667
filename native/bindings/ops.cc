// Bindings of the differentiable primitives: element-wise, matmul, transpose, reductions, softmax.
#include "bindings/common.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "kernels/reduce.h"
#include "kernels/softmax.h"

namespace ng {

namespace {

// Typed-array arguments with a single napi_get_typedarray_info each. node-addon-api's
// TypedArray wrappers (common.h's f32) make three or four N-API calls per argument, which is most
// of the cost of an op on a tiny tensor; these do the same checks with one. A detached buffer
// reports length 0, so the length checks below also reject it.
inline F32 arg_f32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (i >= info.Length() ||
      napi_get_typedarray_info(info.Env(), info[i], &type, &len, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array)
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be a Float32Array");
  return F32{static_cast<float*>(data), (long)len};
}
// Like arg_f32, and at least `need` elements long; null/undefined give nullptr when `optional`.
inline float* arg_f32_at_least(const Napi::CallbackInfo& info, size_t i, const char* name, long need,
                               bool optional = false) {
  if (optional) {
    napi_valuetype t = napi_undefined;
    if (i < info.Length()) napi_typeof(info.Env(), info[i], &t);
    if (t == napi_null || t == napi_undefined) return nullptr;
  }
  F32 a = arg_f32(info, i, name);
  if (a.n < need)
    fail(info.Env(), std::string("argument '") + name + "' has " + std::to_string(a.n) +
                         " elements, the kernel needs " + std::to_string(need));
  return a.p;
}

// Reads an optional broadcast description (shape, strides of a, strides of b) from args i..i+2 and
// checks that every index it can produce stays inside a and b.
struct BroadcastArgs {
  Broadcast bc{};
  bool present = false;
  long n = 0;
};
BroadcastArgs broadcast_args(const Napi::CallbackInfo& info, size_t i, long na, long nb) {
  BroadcastArgs r;
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return r;
  Napi::Env env = info.Env();
  i32_at_least(info, i, "shape", 0);  // type check
  int nd = (int)info[i].As<Napi::Int32Array>().ElementLength();
  if (nd < 1 || nd > 32) fail(env, "broadcast rank must be 1..32");
  const int32_t* s = i32_at_least(info, i, "shape", nd);
  const int32_t* sa = i32_at_least(info, i + 1, "stridesA", nd);
  const int32_t* sb = i32_at_least(info, i + 2, "stridesB", nd);
  long n = 1, maxa = 0, maxb = 0;
  for (int d = 0; d < nd; d++) {
    if (s[d] < 0 || sa[d] < 0 || sb[d] < 0) fail(env, "negative broadcast shape or stride");
    n = checked_mul(env, n, s[d]);
    if (s[d] > 0) {
      maxa += (long)(s[d] - 1) * sa[d];
      maxb += (long)(s[d] - 1) * sb[d];
    }
  }
  if (n > 0 && (maxa >= na || maxb >= nb)) fail(env, "broadcast strides reach past an operand");
  r.bc = Broadcast{nd, s, sa, sb};
  r.present = true;
  r.n = n;
  return r;
}

// A number argument with one N-API call.
inline double arg_num(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = 0;
  if (i >= info.Length() || napi_get_value_double(info.Env(), info[i], &d) != napi_ok)
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be a number");
  return d;
}

// A non-negative integer (a size) with one N-API call.
inline long arg_size(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = arg_num(info, i, name);
  if (!(d >= 0) || d > 9007199254740991.0 || d != (double)(long)d)
    fail(info.Env(), std::string("argument '") + name + "' must be a non-negative integer, got " + std::to_string(d));
  return (long)d;
}
// A boolean flag: true/false with one N-API call, anything else by JS truthiness.
inline bool arg_bool(const Napi::CallbackInfo& info, size_t i) {
  bool b = false;
  if (i < info.Length() && napi_get_value_bool(info.Env(), info[i], &b) == napi_ok) return b;
  return i < info.Length() && info[i].ToBoolean();
}

// The op code (argument 0): an integer in [0, max], read with one N-API call.
long op_arg(const Napi::CallbackInfo& info, long max) {
  double d = -1;
  if (info.Length() < 1 || napi_get_value_double(info.Env(), info[0], &d) != napi_ok)
    throw Napi::TypeError::New(info.Env(), "nativegrad (native): argument 'op' must be a number");
  if (!(d >= 0 && d <= (double)max) || d != (double)(long)d) fail(info.Env(), "unknown op code " + std::to_string(d));
  return (long)d;
}

// binaryForward(op, out, a, b, shape?, stridesA?, stridesB?)
Napi::Value BinaryForward(const Napi::CallbackInfo& info) {
  long op = op_arg(info, kBinaryOpCount - 1);
  F32 out = arg_f32(info, 1, "out"), a = arg_f32(info, 2, "a"), b = arg_f32(info, 3, "b");
  BroadcastArgs br = broadcast_args(info, 4, a.n, b.n);
  long n = br.present ? br.n : out.n;
  if (out.n < n) fail(info.Env(), "out is too small");
  if (!br.present && ((a.n != n && a.n != 1) || (b.n != n && b.n != 1) || (n > 0 && (a.n == 0 || b.n == 0))))
    fail(info.Env(),
         "operand lengths " + std::to_string(a.n) + " and " + std::to_string(b.n) + " do not fit " + std::to_string(n));
  if (n > 0) binary_forward((int)op, out.p, a.p, a.n, b.p, b.n, n, br.present ? &br.bc : nullptr);
  return info.Env().Undefined();
}

// binaryBackward(op, da|null, db|null, dout, a, b, shape?, stridesA?, stridesB?)
Napi::Value BinaryBackward(const Napi::CallbackInfo& info) {
  long op = op_arg(info, kBinaryOpCount - 1);
  F32 g = arg_f32(info, 3, "dout"), a = arg_f32(info, 4, "a"), b = arg_f32(info, 5, "b");
  BroadcastArgs br = broadcast_args(info, 6, a.n, b.n);
  long n = br.present ? br.n : g.n;
  if (g.n < n) fail(info.Env(), "dout is too small");
  if (!br.present && ((a.n != n && a.n != 1) || (b.n != n && b.n != 1) || (n > 0 && (a.n == 0 || b.n == 0))))
    fail(info.Env(), "operand lengths do not fit the gradient");
  float* da = arg_f32_at_least(info, 1, "da", a.n, true);
  float* db = arg_f32_at_least(info, 2, "db", b.n, true);
  if (n > 0) binary_backward((int)op, da, db, g.p, a.p, a.n, b.p, b.n, n, br.present ? &br.bc : nullptr);
  return info.Env().Undefined();
}

// unaryForward(op, out, x, p)
Napi::Value UnaryForward(const Napi::CallbackInfo& info) {
  long op = op_arg(info, kUnaryOpCount - 1);
  F32 x = arg_f32(info, 2, "x");
  float* out = arg_f32_at_least(info, 1, "out", x.n);
  unary_forward((int)op, out, x.p, x.n, (float)arg_num(info, 3, "p"));
  return info.Env().Undefined();
}

// unaryBackward(op, dx, dout, x, out, p)
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  long op = op_arg(info, kUnaryOpCount - 1);
  F32 x = arg_f32(info, 3, "x");
  float* dx = arg_f32_at_least(info, 1, "dx", x.n);
  float* g = arg_f32_at_least(info, 2, "dout", x.n);
  float* out = arg_f32_at_least(info, 4, "out", x.n);
  unary_backward((int)op, dx, g, x.p, out, x.n, (float)arg_num(info, 5, "p"));
  return info.Env().Undefined();
}

// sgemm(out, a, b, M, K, N, transA, transB, alpha, beta): out [M,N] = alpha·op(a)·op(b) + beta·out
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long M = arg_size(info, 3, "M"), K = arg_size(info, 4, "K"), N = arg_size(info, 5, "N");
  if (M > INT32_MAX || K > INT32_MAX || N > INT32_MAX) fail(env, "matrix dimension above 2^31");
  float* out = arg_f32_at_least(info, 0, "out", checked_mul(env, M, N));
  float* a = arg_f32_at_least(info, 1, "a", checked_mul(env, M, K));
  float* b = arg_f32_at_least(info, 2, "b", checked_mul(env, K, N));
  bool ta = arg_bool(info, 6), tb = arg_bool(info, 7);
  sgemm(out, a, b, (int)M, (int)K, (int)N, ta, tb, (float)arg_num(info, 8, "alpha"), (float)arg_num(info, 9, "beta"));
  return env.Undefined();
}

// matmulBackward(da|null, db|null, dout, a, b, M, K, N)
Napi::Value MatmulBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long M = arg_size(info, 5, "M"), K = arg_size(info, 6, "K"), N = arg_size(info, 7, "N");
  if (M > INT32_MAX || K > INT32_MAX || N > INT32_MAX) fail(env, "matrix dimension above 2^31");
  float* da = arg_f32_at_least(info, 0, "da", checked_mul(env, M, K), true);
  float* db = arg_f32_at_least(info, 1, "db", checked_mul(env, K, N), true);
  float* g = arg_f32_at_least(info, 2, "dout", checked_mul(env, M, N));
  float* a = arg_f32_at_least(info, 3, "a", checked_mul(env, M, K));
  float* b = arg_f32_at_least(info, 4, "b", checked_mul(env, K, N));
  matmul_backward(da, db, g, a, b, (int)M, (int)K, (int)N);
  return env.Undefined();
}

// transposeForward(out, a, R, C) / transposeBackward(da, dout, R, C)
Napi::Value TransposeForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long R = arg_size(info, 2, "R"), C = arg_size(info, 3, "C");
  long n = checked_mul(env, R, C);
  if (R > INT32_MAX || C > INT32_MAX) fail(env, "matrix dimension above 2^31");
  float* out = arg_f32_at_least(info, 0, "out", n);
  float* a = arg_f32_at_least(info, 1, "a", n);
  if (n > 0) transpose_forward(out, a, (int)R, (int)C);  // n = 0: an empty loop of up to 2^31 rows
  return env.Undefined();
}
Napi::Value TransposeBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long R = arg_size(info, 2, "R"), C = arg_size(info, 3, "C");
  long n = checked_mul(env, R, C);
  if (R > INT32_MAX || C > INT32_MAX) fail(env, "matrix dimension above 2^31");
  float* da = arg_f32_at_least(info, 0, "da", n);
  float* g = arg_f32_at_least(info, 1, "dout", n);
  if (n > 0) transpose_backward(da, g, (int)R, (int)C);
  return env.Undefined();
}

// Reductions and softmax share the [outer, n, inner] view: args (dst, src, [src2,] outer, n, inner, ...).
// Only the products are bounded by the buffers, so when the output is empty the kernel is not
// called: a single size can be up to 2^53 (an endless empty loop, or a scratch row of that length).
struct Axis3 {
  long outer, n, inner, total;
};
Axis3 axis3(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  Axis3 r{arg_size(info, i, "outer"), arg_size(info, i + 1, "n"), arg_size(info, i + 2, "inner"), 0};
  r.total = checked_mul(env, checked_mul(env, r.outer, r.n), r.inner);
  return r;
}

// sumForward(out, x, outer, n, inner, scale)
Napi::Value SumForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Axis3 s = axis3(info, 2);
  float* out = arg_f32_at_least(info, 0, "out", checked_mul(env, s.outer, s.inner));
  float* x = arg_f32_at_least(info, 1, "x", s.total);
  const float scale = (float)arg_num(info, 5, "scale");
  if (s.outer > 0 && s.inner > 0) sum_forward(out, x, s.outer, s.n, s.inner, scale);
  return env.Undefined();
}
// sumBackward(dx, dout, outer, n, inner, scale)
Napi::Value SumBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Axis3 s = axis3(info, 2);
  float* dx = arg_f32_at_least(info, 0, "dx", s.total);
  float* g = arg_f32_at_least(info, 1, "dout", checked_mul(env, s.outer, s.inner));
  const float scale = (float)arg_num(info, 5, "scale");
  if (s.total > 0) sum_backward(dx, g, s.outer, s.n, s.inner, scale);
  return env.Undefined();
}

// softmaxForward(out, x, outer, n, inner, log)
Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  Axis3 s = axis3(info, 2);
  float* out = arg_f32_at_least(info, 0, "out", s.total);
  float* x = arg_f32_at_least(info, 1, "x", s.total);
  if (s.total == 0) return info.Env().Undefined();
  if (arg_bool(info, 5))
    log_softmax_forward(out, x, s.outer, s.n, s.inner);
  else
    softmax_forward(out, x, s.outer, s.n, s.inner);
  return info.Env().Undefined();
}
// softmaxBackward(dx, dy, y, outer, n, inner, log)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Axis3 s = axis3(info, 3);
  float* dx = arg_f32_at_least(info, 0, "dx", s.total);
  float* dy = arg_f32_at_least(info, 1, "dy", s.total);
  float* y = arg_f32_at_least(info, 2, "y", s.total);
  if (s.total == 0) return info.Env().Undefined();
  if (arg_bool(info, 6))
    log_softmax_backward(dx, dy, y, s.outer, s.n, s.inner);
  else
    softmax_backward(dx, dy, y, s.outer, s.n, s.inner);
  return info.Env().Undefined();
}

}  // namespace

static void init(Napi::Env env, Napi::Object exports) {
  // the op tables (kernels/elementwise.h): names in code order
  Napi::Array binary_ops = Napi::Array::New(env), unary_ops = Napi::Array::New(env);
  uint32_t i = 0;
#define NG_OP_NAME(id, name) binary_ops.Set(i++, name);
  NG_BINARY_OPS(NG_OP_NAME)
#undef NG_OP_NAME
  i = 0;
#define NG_OP_NAME(id, name) unary_ops.Set(i++, name);
  NG_UNARY_OPS(NG_OP_NAME)
#undef NG_OP_NAME
  binary_ops.Freeze();
  unary_ops.Freeze();
  exports.Set("binaryOps", binary_ops);
  exports.Set("unaryOps", unary_ops);
  set_fn(env, exports, "binaryForward", BinaryForward);
  set_fn(env, exports, "binaryBackward", BinaryBackward);
  set_fn(env, exports, "unaryForward", UnaryForward);
  set_fn(env, exports, "unaryBackward", UnaryBackward);
  set_fn(env, exports, "sgemm", Sgemm);
  set_fn(env, exports, "matmulBackward", MatmulBackward);
  set_fn(env, exports, "transposeForward", TransposeForward);
  set_fn(env, exports, "transposeBackward", TransposeBackward);
  set_fn(env, exports, "sumForward", SumForward);
  set_fn(env, exports, "sumBackward", SumBackward);
  set_fn(env, exports, "softmaxForward", SoftmaxForward);
  set_fn(env, exports, "softmaxBackward", SoftmaxBackward);
}
NG_REGISTER(init);

}  // namespace ng
