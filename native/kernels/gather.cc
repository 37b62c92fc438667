#include "kernels/gather.h"

#include <cstring>

namespace ng {

template <typename T>
long gather_rows(T* out, const T* src, const int32_t* idx, long M, long N, long R) {
  for (long m = 0; m < M; m++) {
    const long i = idx[m];
    if (i < 0 || i >= N) return m;
    if (R > 0) std::memcpy(out + m * R, src + i * R, (size_t)R * sizeof(T));
  }
  return -1;
}

template <typename S>
void cast_scale(float* out, const S* src, long n, double scale) {
  if (scale == 1.0)
    for (long i = 0; i < n; i++) out[i] = (float)src[i];
  else
    for (long i = 0; i < n; i++) out[i] = (float)((double)src[i] * scale);
}

long gather_bytes_scaled(float* out, const uint8_t* src, const int32_t* idx, long M, long N, long R, double scale,
                         double offset) {
  float table[256];
  for (int v = 0; v < 256; v++) {
    double t = (double)v * scale;
    if (offset != 0.0) t += offset;
    table[v] = (float)t;
  }
  for (long m = 0; m < M; m++) {
    const long i = idx ? (long)idx[m] : m;
    if (i < 0 || i >= N) return m;
    if (R == 0) continue;
    const uint8_t* row = src + i * R;
    float* o = out + m * R;
    for (long r = 0; r < R; r++) o[r] = table[row[r]];
  }
  return -1;
}

template long gather_rows<float>(float*, const float*, const int32_t*, long, long, long);
template long gather_rows<int32_t>(int32_t*, const int32_t*, const int32_t*, long, long, long);

template void cast_scale<uint8_t>(float*, const uint8_t*, long, double);
template void cast_scale<int8_t>(float*, const int8_t*, long, double);
template void cast_scale<int16_t>(float*, const int16_t*, long, double);
template void cast_scale<uint16_t>(float*, const uint16_t*, long, double);
template void cast_scale<int32_t>(float*, const int32_t*, long, double);
template void cast_scale<uint32_t>(float*, const uint32_t*, long, double);
template void cast_scale<float>(float*, const float*, long, double);
template void cast_scale<double>(float*, const double*, long, double);

}  // namespace ng
