// Assembling batches and tensors from data-set buffers.
//
//   gather_rows:  out [M, R] = src [idx[m], :] for m < M, src is [N, R]   (one call per batch)
//   cast_scale:   out [n] = (float) (src [n] · scale), src of any integer or float element type
//   gather_bytes_scaled:  out [M, R] = (float) (src [idx[m], :] · scale + offset), src uint8 [N, R]
//                 (gather and conversion in one pass: batches of a data set kept as bytes)
//
// Kernels trust their arguments; the bindings check every length and index before calling.
#pragma once
#include <cstdint>

namespace ng {

// Copies rows idx[0..M) of src [N, R] into out [M, R]. Returns the position m of the first index
// outside [0, N) (nothing is copied for it or after it), or −1 when every index was valid.
template <typename T>
long gather_rows(T* out, const T* src, const int32_t* idx, long M, long N, long R);

// out[i] = (float)(src[i] · scale) for i < n; the product is formed in double, so 1/255 scaling of
// bytes gives the correctly rounded float of v/255 for every v (as PyTorch's ToTensor does in float).
template <typename S>
void cast_scale(float* out, const S* src, long n, double scale);

// Converts rows idx[0..M) of the bytes src [N, R] into out [M, R]: out = (float)(v·scale + offset),
// evaluated in double (v·scale, then + offset, the addition skipped when offset is 0) and rounded to
// float once at the end. With offset 0 every value equals cast_scale's for the same scale, so a batch
// gathered from bytes is bit-identical to the same rows of cast_scale(bytes) (the float data set).
// The 256 possible results are tabulated first, so the formula is evaluated once per byte value,
// identically whatever the compiler vectorises. idx == nullptr converts rows 0..M in order (M ≤ N).
// Returns the position m of the first index outside [0, N) (nothing is written for it or after it),
// or −1 when every index was valid.
long gather_bytes_scaled(float* out, const uint8_t* src, const int32_t* idx, long M, long N, long R, double scale,
                         double offset);

}  // namespace ng
