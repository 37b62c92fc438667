// Element-wise kernels: binary arithmetic with broadcasting, unary maps, in-place helpers.
//
// Broadcasting: the output is contiguous with `ndim` dimensions `shape`; a and b are read with
// element strides `sa`, `sb` (0 along a broadcast dimension). The TypeScript side collapses
// dimensions first, so a row [M] broadcast over [N, M] arrives as shape [N, M], sa [M, 1], sb [0, 1].
// When `bc` is null, a and b have n elements each, or one element (a scalar).
#pragma once
#include <cstddef>

namespace ng {

enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
enum UnaryOp { kNeg = 0, kExp = 1, kLog = 2, kSqrt = 3, kRelu = 4, kSigmoid = 5, kTanh = 6, kPow = 7, kAbs = 8 };

struct Broadcast {
  int ndim;
  const int* shape;  // [ndim], output shape
  const int* sa;     // [ndim], strides of a in elements
  const int* sb;     // [ndim], strides of b in elements
};

// out [n] = a ∘ b
void binary_forward(int op, float* out, const float* a, long na, const float* b, long nb, long n, const Broadcast* bc);
// da += ∂(a∘b)/∂a · dout,  db += ∂(a∘b)/∂b · dout, summed over broadcast dimensions.
// da or db may be null (no gradient wanted).
void binary_backward(int op, float* da, float* db, const float* dout, const float* a, long na, const float* b, long nb,
                     long n, const Broadcast* bc);

// out [n] = f(x), with `p` the exponent of kPow
void unary_forward(int op, float* out, const float* x, long n, float p);
// dx [n] += f'(x) · dout; `out` is the forward's output (exp, sqrt, sigmoid, tanh use it)
void unary_backward(int op, float* dx, const float* dout, const float* x, const float* out, long n, float p);

// dst [n] += alpha · src
void axpy(float* dst, const float* src, long n, float alpha);

}  // namespace ng
