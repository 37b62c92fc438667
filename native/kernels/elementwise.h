// Element-wise kernels: binary arithmetic with broadcasting, unary maps, in-place helpers.
//
// Broadcasting: the output is contiguous with `ndim` dimensions `shape`; a and b are read with
// element strides `sa`, `sb` (0 along a broadcast dimension). The TypeScript side collapses
// dimensions first, so a row [M] broadcast over [N, M] arrives as shape [N, M], sa [M, 1], sb [0, 1].
// When `bc` is null, a and b have n elements each, or one element (a scalar).
#pragma once
#include <cstddef>

namespace ng {

// The op tables: one line per op (its enum name and the name TypeScript knows it by). The codes are
// the positions; the addon exports the names in this order (`binaryOps`, `unaryOps`) and lib/ops
// reads its codes from them, so an op is added here and in its switch cases, nowhere else.
// clang-format off
#define NG_BINARY_OPS(X) \
  X(kAdd, "add")         \
  X(kSub, "sub")         \
  X(kMul, "mul")         \
  X(kDiv, "div")
#define NG_UNARY_OPS(X)  \
  X(kNeg, "neg")         \
  X(kExp, "exp")         \
  X(kLog, "log")         \
  X(kSqrt, "sqrt")       \
  X(kRelu, "relu")       \
  X(kSigmoid, "sigmoid") \
  X(kTanh, "tanh")       \
  X(kPow, "pow")         \
  X(kAbs, "abs")
// clang-format on

#define NG_OP_ENUM(id, name) id,
enum BinaryOp { NG_BINARY_OPS(NG_OP_ENUM) kBinaryOpCount };
enum UnaryOp { NG_UNARY_OPS(NG_OP_ENUM) kUnaryOpCount };
#undef NG_OP_ENUM

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
