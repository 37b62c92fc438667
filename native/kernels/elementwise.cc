#include "kernels/elementwise.h"

#include <cmath>

namespace ng {

namespace {

template <typename F>
void for_each_broadcast(const Broadcast& bc, F f) {
  // Visits every output element in order: f(i, ia, ib, inner_len, inner_sa, inner_sb) per inner row.
  const int nd = bc.ndim;
  const int inner = nd > 0 ? bc.shape[nd - 1] : 1;
  const int isa = nd > 0 ? bc.sa[nd - 1] : 0, isb = nd > 0 ? bc.sb[nd - 1] : 0;
  long rows = 1;
  for (int d = 0; d < nd - 1; d++) rows *= bc.shape[d];
  int idx[32] = {0};
  long ia = 0, ib = 0;
  for (long r = 0; r < rows; r++) {
    f(r * (long)inner, ia, ib, inner, isa, isb);
    for (int d = nd - 2; d >= 0; d--) {  // odometer increment over the outer dimensions
      idx[d]++;
      ia += bc.sa[d];
      ib += bc.sb[d];
      if (idx[d] < bc.shape[d]) break;
      ia -= (long)bc.sa[d] * bc.shape[d];
      ib -= (long)bc.sb[d] * bc.shape[d];
      idx[d] = 0;
    }
  }
}

template <int OP>
inline float apply(float x, float y) {
  if constexpr (OP == kAdd) return x + y;
  if constexpr (OP == kSub) return x - y;
  if constexpr (OP == kMul) return x * y;
  return x / y;
}

template <int OP>
void forward_rows(float* out, const float* a, const float* b, long n, long na, long nb, const Broadcast* bc) {
  if (!bc) {
    if (na == n && nb == n)
      for (long i = 0; i < n; i++) out[i] = apply<OP>(a[i], b[i]);
    else if (na == n) {  // b is one element
      const float y = b[0];
      for (long i = 0; i < n; i++) out[i] = apply<OP>(a[i], y);
    } else if (nb == n) {  // a is one element
      const float x = a[0];
      for (long i = 0; i < n; i++) out[i] = apply<OP>(x, b[i]);
    } else {  // both are one element, the output longer
      const float v = apply<OP>(a[0], b[0]);
      for (long i = 0; i < n; i++) out[i] = v;
    }
    return;
  }
  for_each_broadcast(*bc, [&](long o, long ia, long ib, int len, int sa, int sb) {
    for (int k = 0; k < len; k++) out[o + k] = apply<OP>(a[ia + (long)k * sa], b[ib + (long)k * sb]);
  });
}

// Local derivatives of a∘b: ∂/∂a and ∂/∂b
template <int OP>
inline float dda(float /*x*/, float y) {
  if constexpr (OP == kAdd || OP == kSub) return 1.f;
  if constexpr (OP == kMul) return y;
  return 1.f / y;
}
template <int OP>
inline float ddb(float x, float y) {
  if constexpr (OP == kAdd) return 1.f;
  if constexpr (OP == kSub) return -1.f;
  if constexpr (OP == kMul) return x;
  return -x / (y * y);
}

template <int OP>
void backward_rows(float* da, float* db, const float* g, const float* a, const float* b, long n, long na, long nb,
                   const Broadcast* bc) {
  Broadcast flat;
  int shape1[1] = {(int)n}, sa1[1] = {na == 1 ? 0 : 1}, sb1[1] = {nb == 1 ? 0 : 1};
  if (!bc) {
    flat = Broadcast{1, shape1, sa1, sb1};
    bc = &flat;
  }
  for_each_broadcast(*bc, [&](long o, long ia, long ib, int len, int sa, int sb) {
    if (da) {
      if (sa == 0) {  // broadcast along the row: reduce in double, add once
        double acc = 0;
        for (int k = 0; k < len; k++) acc += (double)g[o + k] * dda<OP>(a[ia], b[ib + (long)k * sb]);
        da[ia] += (float)acc;
      } else {
        for (int k = 0; k < len; k++)
          da[ia + (long)k * sa] += g[o + k] * dda<OP>(a[ia + (long)k * sa], b[ib + (long)k * sb]);
      }
    }
    if (db) {
      if (sb == 0) {
        double acc = 0;
        for (int k = 0; k < len; k++) acc += (double)g[o + k] * ddb<OP>(a[ia + (long)k * sa], b[ib]);
        db[ib] += (float)acc;
      } else {
        for (int k = 0; k < len; k++)
          db[ib + (long)k * sb] += g[o + k] * ddb<OP>(a[ia + (long)k * sa], b[ib + (long)k * sb]);
      }
    }
  });
}

}  // namespace

void binary_forward(int op, float* out, const float* a, long na, const float* b, long nb, long n, const Broadcast* bc) {
  switch (op) {
    case kAdd: return forward_rows<kAdd>(out, a, b, n, na, nb, bc);
    case kSub: return forward_rows<kSub>(out, a, b, n, na, nb, bc);
    case kMul: return forward_rows<kMul>(out, a, b, n, na, nb, bc);
    default: return forward_rows<kDiv>(out, a, b, n, na, nb, bc);
  }
}

void binary_backward(int op, float* da, float* db, const float* dout, const float* a, long na, const float* b, long nb,
                     long n, const Broadcast* bc) {
  switch (op) {
    case kAdd: return backward_rows<kAdd>(da, db, dout, a, b, n, na, nb, bc);
    case kSub: return backward_rows<kSub>(da, db, dout, a, b, n, na, nb, bc);
    case kMul: return backward_rows<kMul>(da, db, dout, a, b, n, na, nb, bc);
    default: return backward_rows<kDiv>(da, db, dout, a, b, n, na, nb, bc);
  }
}

void unary_forward(int op, float* out, const float* x, long n, float p) {
  switch (op) {
    case kNeg:
      for (long i = 0; i < n; i++) out[i] = -x[i];
      break;
    case kExp:
      for (long i = 0; i < n; i++) out[i] = std::exp(x[i]);
      break;
    case kLog:
      for (long i = 0; i < n; i++) out[i] = std::log(x[i]);
      break;
    case kSqrt:
      for (long i = 0; i < n; i++) out[i] = std::sqrt(x[i]);
      break;
    case kRelu:
      for (long i = 0; i < n; i++) out[i] = x[i] <= 0.f ? 0.f : x[i];
      break;  // NaN stays NaN, as PyTorch
    case kSigmoid:
      // stable in both tails: never exponentiates a large positive number
      for (long i = 0; i < n; i++) {
        const float v = x[i];
        if (v >= 0.f)
          out[i] = 1.f / (1.f + std::exp(-v));
        else {
          const float e = std::exp(v);
          out[i] = e / (1.f + e);
        }
      }
      break;
    case kTanh:
      for (long i = 0; i < n; i++) out[i] = std::tanh(x[i]);
      break;
    case kPow:
      for (long i = 0; i < n; i++) out[i] = std::pow(x[i], p);
      break;
    case kAbs:
      for (long i = 0; i < n; i++) out[i] = std::fabs(x[i]);
      break;
  }
}

void unary_backward(int op, float* dx, const float* g, const float* x, const float* out, long n, float p) {
  switch (op) {
    case kNeg:
      for (long i = 0; i < n; i++) dx[i] -= g[i];
      break;
    case kExp:
      for (long i = 0; i < n; i++) dx[i] += g[i] * out[i];
      break;
    case kLog:
      for (long i = 0; i < n; i++) dx[i] += g[i] / x[i];
      break;
    case kSqrt:
      for (long i = 0; i < n; i++) dx[i] += g[i] * 0.5f / out[i];
      break;
    case kRelu:  // g read unconditionally so that the loop vectorises
      for (long i = 0; i < n; i++) {
        const float gi = g[i];
        dx[i] += x[i] > 0.f ? gi : 0.f;
      }
      break;
    case kSigmoid:
      for (long i = 0; i < n; i++) dx[i] += g[i] * out[i] * (1.f - out[i]);
      break;
    case kTanh:
      for (long i = 0; i < n; i++) dx[i] += g[i] * (1.f - out[i] * out[i]);
      break;
    case kPow:
      if (p == 0.f) break;
      for (long i = 0; i < n; i++) dx[i] += g[i] * p * std::pow(x[i], p - 1.f);
      break;
    case kAbs:
      for (long i = 0; i < n; i++) dx[i] += x[i] > 0.f ? g[i] : (x[i] < 0.f ? -g[i] : 0.f);
      break;
  }
}

void axpy(float* dst, const float* src, long n, float alpha) {
  if (alpha == 1.f)
    for (long i = 0; i < n; i++) dst[i] += src[i];
  else
    for (long i = 0; i < n; i++) dst[i] += alpha * src[i];
}

}  // namespace ng
