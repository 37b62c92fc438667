// Bindings of kernels/gather.h: batch assembly for ng.data.DataLoader and typed-array conversion
// for the data-set loaders. Every length and every index is re-checked here.
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
    throw Napi::TypeError::New(info.Env(), std::string("nativegrad (native): argument '") + name + "' must be a typed array");
  auto a = v.As<Napi::TypedArray>();
  auto buf = a.ArrayBuffer();
  return Typed{a.TypedArrayType(), static_cast<uint8_t*>(buf.Data()) + a.ByteOffset(), (long)a.ElementLength()};
}

// gatherBatch(outX: Float32Array [M, R], x: Float32Array [N, R], idx: Int32Array [M], N, R,
//             outY: Int32Array | Float32Array [M, Ry] | null, y: same type [N, Ry] | null, Ry)
// Copies rows idx of x (and of y) into the batch buffers: out[m] = x[idx[m]].
Napi::Value GatherBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long N = size_arg(info, 3, "N"), R = size_arg(info, 4, "R");
  Typed idxv = typed(info, 2, "idx");
  if (idxv.type != napi_int32_array) throw Napi::TypeError::New(env, "nativegrad (native): argument 'idx' must be an Int32Array");
  const long M = idxv.n;
  const int32_t* idx = static_cast<const int32_t*>(idxv.p);
  float* outX = f32_at_least(info, 0, "outX", checked_mul(env, M, R));
  const float* x = f32_at_least(info, 1, "x", checked_mul(env, N, R));
  const bool hasY = !(info[5].IsNull() || info[5].IsUndefined());
  long bad = gather_rows<float>(outX, x, idx, M, N, R);
  if (bad >= 0)
    fail(env, "gatherBatch: index " + std::to_string(idx[bad]) + " at position " + std::to_string(bad) +
                  " is outside the data set of " + std::to_string(N) + " rows");
  if (hasY) {
    long Ry = size_arg(info, 7, "Ry");
    Typed outY = typed(info, 5, "outY"), y = typed(info, 6, "y");
    if (outY.type != y.type || (y.type != napi_int32_array && y.type != napi_float32_array))
      throw Napi::TypeError::New(env, "nativegrad (native): 'outY' and 'y' must both be Int32Array or both Float32Array");
    if (outY.n < checked_mul(env, M, Ry) || y.n < checked_mul(env, N, Ry))
      fail(env, "gatherBatch: y has " + std::to_string(y.n) + " and outY " + std::to_string(outY.n) +
                    " elements; need " + std::to_string(N * Ry) + " and " + std::to_string(M * Ry));
    if (y.type == napi_int32_array)
      gather_rows<int32_t>(static_cast<int32_t*>(outY.p), static_cast<const int32_t*>(y.p), idx, M, N, Ry);
    else
      gather_rows<float>(static_cast<float*>(outY.p), static_cast<const float*>(y.p), idx, M, N, Ry);
  }
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
    default: throw Napi::TypeError::New(env, "nativegrad (native): castToF32: 'src' must be an integer or float typed array (not BigInt)");
  }
  return env.Undefined();
}

void init(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "gatherBatch", GatherBatch);
  set_fn(env, exports, "castToF32", CastToF32);
}

}  // namespace
NG_REGISTER(init);
}  // namespace ng
