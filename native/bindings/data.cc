// Bindings of kernels/gather.h: batch assembly for ng.data.DataLoader (float rows, or bytes converted
// on the fly) and typed-array conversion for the data-set loaders. Every length and every index is
// re-checked here.
#include "bindings/common.h"
#include "kernels/gather.h"

namespace ng {
namespace {

struct Typed {
  napi_typedarray_type type;
  void* p;
  long n;
};
Typed typed(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray())
    throw Napi::TypeError::New(info.Env(),
                               std::string("nativegrad (native): argument '") + name + "' must be a typed array");
  auto a = v.As<Napi::TypedArray>();
  auto buf = a.ArrayBuffer();
  return Typed{a.TypedArrayType(), static_cast<uint8_t*>(buf.Data()) + a.ByteOffset(), (long)a.ElementLength()};
}

// The targets part of a batch: outY [M, Ry] = y [idx[m], :] (class indices or float targets).
// Borrowed and checked before any kernel runs; absent when outY is null or undefined.
struct Targets {
  bool present = false;
  Typed out{}, y{};
  long Ry = 0;
};
Targets targets_arg(const Napi::CallbackInfo& info, const char* fn, size_t i, long M, long N) {
  Napi::Env env = info.Env();
  Targets t;
  if (info[i].IsNull() || info[i].IsUndefined()) return t;
  t.present = true;
  t.Ry = size_arg(info, i + 2, "Ry");
  t.out = typed(info, i, "outY");
  t.y = typed(info, i + 1, "y");
  if (t.out.type != t.y.type || (t.y.type != napi_int32_array && t.y.type != napi_float32_array))
    throw Napi::TypeError::New(env, "nativegrad (native): 'outY' and 'y' must both be Int32Array or both Float32Array");
  if (t.out.n < checked_mul(env, M, t.Ry) || t.y.n < checked_mul(env, N, t.Ry))
    fail(env, std::string(fn) + ": y has " + std::to_string(t.y.n) + " and outY " + std::to_string(t.out.n) +
                  " elements; need " + std::to_string(N * t.Ry) + " and " + std::to_string(M * t.Ry));
  return t;
}
// Copies the target rows once every index is known to be valid.
void gather_targets(const Targets& t, const int32_t* idx, long M, long N) {
  if (!t.present) return;
  if (t.y.type == napi_int32_array)
    gather_rows<int32_t>(static_cast<int32_t*>(t.out.p), static_cast<const int32_t*>(t.y.p), idx, M, N, t.Ry);
  else
    gather_rows<float>(static_cast<float*>(t.out.p), static_cast<const float*>(t.y.p), idx, M, N, t.Ry);
}
[[noreturn]] void bad_index(Napi::Env env, const char* fn, const int32_t* idx, long m, long N) {
  fail(env, std::string(fn) + ": index " + std::to_string(idx[m]) + " at position " + std::to_string(m) +
                " is outside the data set of " + std::to_string(N) + " rows");
}

// gatherBatch(outX: Float32Array [M, R], x: Float32Array [N, R], idx: Int32Array [M], N, R,
//             outY: Int32Array | Float32Array [M, Ry] | null, y: same type [N, Ry] | null, Ry)
// Copies rows idx of x (and of y) into the batch buffers: out[m] = x[idx[m]].
Napi::Value GatherBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 3, "N"), R = size_arg(info, 4, "R");
  Typed idxv = typed(info, 2, "idx");
  if (idxv.type != napi_int32_array)
    throw Napi::TypeError::New(env, "nativegrad (native): argument 'idx' must be an Int32Array");
  const long M = idxv.n;
  const int32_t* idx = static_cast<const int32_t*>(idxv.p);
  float* outX = f32_at_least(info, 0, "outX", checked_mul(env, M, R));
  const float* x = f32_at_least(info, 1, "x", checked_mul(env, N, R));
  Targets t = targets_arg(info, "gatherBatch", 5, M, N);
  long bad = gather_rows<float>(outX, x, idx, M, N, R);
  if (bad >= 0) bad_index(env, "gatherBatch", idx, bad, N);
  gather_targets(t, idx, M, N);
  return env.Undefined();
}

// gatherBytesBatch(outX: Float32Array [M, R], x: Uint8Array [N, R], idx: Int32Array [M] | null, N, R,
//                  scale, offset, outY: Int32Array | Float32Array [M, Ry] | null, y: same type [N, Ry] | null, Ry)
// outX[m] = (float)(x[idx[m]] · scale + offset), outY[m] = y[idx[m]]: a batch of a data set kept as
// bytes, gathered and converted in one pass. idx null: rows 0..N in order (M = N; outY must be null).
Napi::Value GatherBytesBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 3, "N"), R = size_arg(info, 4, "R");
  double scale = num_arg(info, 5, "scale"), offset = num_arg(info, 6, "offset");
  const int32_t* idx = nullptr;  // also null for an empty Int32Array (no backing store): then M = 0
  long M = N;
  const bool hasIdx = !(info[2].IsNull() || info[2].IsUndefined());
  if (hasIdx) {
    Typed idxv = typed(info, 2, "idx");
    if (idxv.type != napi_int32_array)
      throw Napi::TypeError::New(env, "nativegrad (native): argument 'idx' must be an Int32Array or null");
    M = idxv.n;
    idx = static_cast<const int32_t*>(idxv.p);
  }
  float* outX = f32_at_least(info, 0, "outX", checked_mul(env, M, R));
  Typed x = typed(info, 1, "x");
  if (x.type != napi_uint8_array && x.type != napi_uint8_clamped_array)
    throw Napi::TypeError::New(env, "nativegrad (native): argument 'x' must be a Uint8Array");
  if (x.n < checked_mul(env, N, R))
    fail(env, "gatherBytesBatch: argument 'x' has " + std::to_string(x.n) + " bytes, [N, R] = [" + std::to_string(N) +
                  ", " + std::to_string(R) + "] needs " + std::to_string(N * R));
  Targets t = targets_arg(info, "gatherBytesBatch", 7, M, N);
  if (!hasIdx && t.present) fail(env, "gatherBytesBatch: targets need explicit indices (idx is null)");
  long bad = gather_bytes_scaled(outX, static_cast<const uint8_t*>(x.p), idx, M, N, R, scale, offset);
  if (bad >= 0) bad_index(env, "gatherBytesBatch", idx, bad, N);
  gather_targets(t, idx, M, N);
  return env.Undefined();
}

// castToF32(out: Float32Array [n], src: any integer or float typed array [n], scale)
// out[i] = src[i] · scale (product in double, rounded once to float).
Napi::Value CastToF32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Typed src = typed(info, 1, "src");
  float* out = f32_at_least(info, 0, "out", src.n);
  double scale = num_arg(info, 2, "scale");
  const long n = src.n;
  switch (src.type) {
    case napi_uint8_array:
    case napi_uint8_clamped_array: cast_scale(out, static_cast<const uint8_t*>(src.p), n, scale); break;
    case napi_int8_array: cast_scale(out, static_cast<const int8_t*>(src.p), n, scale); break;
    case napi_int16_array: cast_scale(out, static_cast<const int16_t*>(src.p), n, scale); break;
    case napi_uint16_array: cast_scale(out, static_cast<const uint16_t*>(src.p), n, scale); break;
    case napi_int32_array: cast_scale(out, static_cast<const int32_t*>(src.p), n, scale); break;
    case napi_uint32_array: cast_scale(out, static_cast<const uint32_t*>(src.p), n, scale); break;
    case napi_float32_array: cast_scale(out, static_cast<const float*>(src.p), n, scale); break;
    case napi_float64_array: cast_scale(out, static_cast<const double*>(src.p), n, scale); break;
    default:
      throw Napi::TypeError::New(
          env, "nativegrad (native): castToF32: 'src' must be an integer or float typed array (not BigInt)");
  }
  return env.Undefined();
}

void init(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "gatherBatch", GatherBatch);
  set_fn(env, exports, "gatherBytesBatch", GatherBytesBatch);
  set_fn(env, exports, "castToF32", CastToF32);
}

}  // namespace
NG_REGISTER(init);
}  // namespace ng
