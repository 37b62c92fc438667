// Binding of the fused training step of a Linear/ReLU chain under softmax cross-entropy
// (kernels/sequential.h; used by lib/train/compiled_step.ts). Like every binding it re-checks the
// length of each buffer against the sizes it is given, so no caller can make it read or write out
// of bounds; lib/train validates first and falls back to the autograd tape for anything else.
#include "kernels/sequential.h"

#include <cmath>
#include <string>
#include <vector>

#include "bindings/common.h"

namespace ng {

namespace {

constexpr long kBuffersBefore = 4;    // x, probs, lse, rowLoss
constexpr long kBuffersPerLayer = 6;  // w, b|null, dw|null, db|null, y, dy

// Element i of the fetched buffers: a Float32Array of at least `need` elements (or null when
// `optional`). Reads the typed array's pointer and length without running any JS, so it runs after
// every element was fetched (an index getter may run user code that detaches a buffer).
float* buffer_at(Napi::Env env, const std::vector<Napi::Value>& items, size_t i, const char* name, long layer,
                 long need, bool optional = false) {
  const Napi::Value& v = items[i];
  auto where = [&]() { return std::string(name) + (layer >= 0 ? " of layer " + std::to_string(layer) : ""); };
  if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array)
    throw Napi::TypeError::New(env, "nativegrad (native): buffer '" + where() + "' must be a Float32Array");
  if ((long)len < need)
    fail(env,
         "buffer '" + where() + "' has " + std::to_string(len) + " elements, the step needs " + std::to_string(need));
  return static_cast<float*>(data);
}

// sequentialXentStep(buffers, relu Int32Array[L], dims Int32Array[L + 1], first, classes, N, smoothing, scale,
//                    weight?|null, ignoreIndex?|null)
//   buffers = [x, probs, lse, rowLoss, then per layer: w, b|null, dw|null, db|null, y, dy]
//   → Σ_n loss_n
Napi::Value SequentialXentStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "nativegrad (native): argument 'buffers' must be an Array");
  // first every element (which may run user code), then nothing that can
  std::vector<Napi::Value> items;
  {
    Napi::Array arr = info[0].As<Napi::Array>();
    const uint32_t len = arr.Length();
    if (len > 4096) fail(env, "buffers has too many entries");
    items.reserve(len);
    for (uint32_t k = 0; k < len; k++) items.push_back(arr.Get(k));
  }
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(env, "nativegrad (native): arguments 'relu' and 'dims' must be Int32Arrays");
  // sizes and flags copied once: what is checked is what is used
  auto relu_arr = info[1].As<Napi::Int32Array>();
  auto dims_arr = info[2].As<Napi::Int32Array>();
  const long L = (long)dims_arr.ElementLength() - 1;
  if (L < 1 || (long)relu_arr.ElementLength() != L) fail(env, "dims must hold L + 1 sizes and relu L flags, L >= 1");
  if ((long)items.size() != kBuffersBefore + kBuffersPerLayer * L)
    fail(env, "buffers must hold " + std::to_string(kBuffersBefore + kBuffersPerLayer * L) + " entries for " +
                  std::to_string(L) + " layers, got " + std::to_string(items.size()));
  const std::vector<long> dims(dims_arr.Data(), dims_arr.Data() + L + 1);
  const std::vector<bool> relu(relu_arr.Data(), relu_arr.Data() + L);
  const long first = size_arg(info, 3, "first");
  if (first >= L) fail(env, "first must be below the number of layers");
  const long N = size_arg(info, 5, "N");
  if (N == 0) fail(env, "the batch must not be empty");
  if (N > INT32_MAX) fail(env, "N is above 2^31");  // the sgemm calls take int sizes
  for (long l = 0; l <= L; l++)
    if (dims[(size_t)l] <= 0) fail(env, "every size in dims must be positive");
  const long K = dims[(size_t)L];
  long ignore = kNoIgnore;
  if (!info[9].IsNull() && !info[9].IsUndefined()) {
    const double ii = num_arg(info, 9, "ignoreIndex");
    if (!(ii == std::floor(ii) && ii >= -2147483648.0 && ii <= 2147483647.0))
      fail(env, "ignoreIndex must be a 32-bit integer");
    ignore = (long)ii;
  }
  const float* weight = f32_at_least(info, 8, "weight", K, true);
  const int32_t* classes = i32_at_least(info, 4, "classes", N);
  for (long n = 0; n < N; n++)
    if ((classes[n] < 0 || classes[n] >= K) && classes[n] != ignore)
      fail(env, "class index " + std::to_string(classes[n]) + " at row " + std::to_string(n) + " is outside [0, " +
                    std::to_string(K) + ")");
  const double smoothing = num_arg(info, 6, "smoothing");
  if (!(smoothing >= 0 && smoothing <= 1)) fail(env, "smoothing must be in [0, 1]");
  const double scale = num_arg(info, 7, "scale");

  const float* x = buffer_at(env, items, 0, "x", -1, checked_mul(env, N, dims[0]));
  const long NK = checked_mul(env, N, K);
  float* probs = buffer_at(env, items, 1, "probs", -1, NK);
  float* lse = buffer_at(env, items, 2, "lse", -1, N);
  float* row_loss = buffer_at(env, items, 3, "rowLoss", -1, N);
  std::vector<SeqLayer> layers((size_t)L);
  for (long l = 0; l < L; l++) {
    const long I = dims[(size_t)l], O = dims[(size_t)l + 1];
    const long OI = checked_mul(env, O, I), NO = checked_mul(env, N, O);
    const size_t at = (size_t)(kBuffersBefore + kBuffersPerLayer * l);
    SeqLayer& s = layers[(size_t)l];
    s.w = buffer_at(env, items, at, "w", l, OI);
    s.b = buffer_at(env, items, at + 1, "b", l, O, true);
    s.dw = buffer_at(env, items, at + 2, "dw", l, OI, true);
    s.db = buffer_at(env, items, at + 3, "db", l, O, true);
    s.y = buffer_at(env, items, at + 4, "y", l, NO);
    s.dy = buffer_at(env, items, at + 5, "dy", l, NO);
    s.I = I;
    s.O = O;
    s.relu = relu[(size_t)l];
  }
  return Napi::Number::New(env, sequential_xent_step(layers.data(), L, first, x, N, classes, (float)smoothing,
                                                     (float)scale, probs, lse, row_loss, weight, ignore));
}

}  // namespace

static void init_sequential(Napi::Env env, Napi::Object exports) {
  set_fn(env, exports, "sequentialXentStep", SequentialXentStep);
}
NG_REGISTER(init_sequential);

}  // namespace ng
