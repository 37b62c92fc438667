// Assembling batches and tensors from data-set buffers.
//
//   gather_rows:  out [M, R] = src [idx[m], :] for m < M, src is [N, R]   (one call per batch)
//   cast_scale:   out [n] = (float) (src [n] · scale), src of any integer or float element type
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

}  // namespace ng
