// Optimizer step kernels (see optim.h for shapes). Each loop is one pass over the tensor, in the
// operation order of PyTorch's single-tensor implementations (torch/optim/*.py), so that results
// agree with PyTorch to float32 rounding. Notation: θ parameter, g gradient, η lr, λ weight decay.
#include "kernels/optim.h"

#include <algorithm>
#include <cmath>

#include "kernels/clones.h"

// Function multiversioning: each step kernel is compiled three times — for x86-64-v4 (AVX-512),
// x86-64-v3 (AVX2) and the baseline x86-64 (SSE2) — and the loader picks the best one the CPU runs
// (an ifunc, resolved once), so prebuilt binaries still run on any x86-64. Adam is bound by its
// square roots and divisions, which AVX-512 does 16 at a time instead of SSE2's 4 (the Adam step
// over the 235k parameters of the 784-256-128-10 MLP: ≈ 0.36 ms → ≈ 0.1 ms). Floating-point
// contraction stays off, so every version rounds exactly as the baseline does (no FMA): results do
// not depend on the CPU. ifuncs need glibc; elsewhere (musl, other architectures) the baseline builds.
#if NG_HAVE_CLONES
#pragma GCC optimize("fp-contract=off")
#endif

namespace ng {

// SGD (PyTorch's rule; the lecture's m ← αm − ηg, θ ← θ + m is the same while η is constant,
// with m = −ηb):
//   d = g + λθ
//   b ← d                      on the first step with a buffer (no dampening then, as PyTorch)
//   b ← μb + (1 − τ)d          afterwards
//   d ← d + μb  (nesterov)  or  d ← b  (μ > 0)
//   θ ← θ − ηd
NG_CLONES void sgd_step(float* p, const float* g, float* buf, bool fresh, long n, const SgdHyper& h) {
  const float neg_lr = -h.lr, wd = h.weight_decay, mu = h.momentum, keep = h.one_minus_dampening;
  const bool decay = wd != 0.0f;
  if (buf == nullptr) {
    for (long i = 0; i < n; i++) {
      const float d = decay ? g[i] + wd * p[i] : g[i];
      p[i] = p[i] + neg_lr * d;
    }
    return;
  }
  for (long i = 0; i < n; i++) {
    float d = decay ? g[i] + wd * p[i] : g[i];
    const float b = fresh ? d : buf[i] * mu + keep * d;
    buf[i] = b;
    d = h.nesterov ? d + mu * b : b;
    p[i] = p[i] + neg_lr * d;
  }
}

// RMSprop (PyTorch's rule: ε is added outside the square root; the lecture's form divides by
// √(v + ε)):
//   d = g + λθ
//   v ← αv + (1 − α)d²
//   centered:  ḡ ← αḡ + (1 − α)d,  s = √(v − ḡ²) + ε       otherwise  s = √v + ε
//   μ > 0:     b ← μb + d/s,  θ ← θ − ηb                    otherwise  θ ← θ − η·d/s
NG_CLONES void rmsprop_step(float* p, const float* g, float* square_avg, float* grad_avg, float* buf, long n,
                            const RmspropHyper& h) {
  const float a = h.alpha, one_minus_a = h.one_minus_alpha, wd = h.weight_decay, eps = h.eps;
  const float neg_lr = -h.lr, mu = h.momentum;
  const bool decay = wd != 0.0f;
  for (long i = 0; i < n; i++) {
    const float d = decay ? g[i] + wd * p[i] : g[i];
    const float v = square_avg[i] * a + one_minus_a * d * d;
    square_avg[i] = v;
    float s;
    if (grad_avg != nullptr) {
      const float ga = grad_avg[i] * a + one_minus_a * d;
      grad_avg[i] = ga;
      s = std::sqrt(v + -1.0f * ga * ga) + eps;
    } else {
      s = std::sqrt(v) + eps;
    }
    if (buf != nullptr) {
      const float b = buf[i] * mu + d / s;
      buf[i] = b;
      p[i] = p[i] + neg_lr * b;
    } else {
      p[i] = p[i] + neg_lr * d / s;
    }
  }
}

// Adam / AdamW (PyTorch's rules; t is this parameter's step count, from 1):
//   AdamW:  θ ← (1 − ηλ)θ                      (decoupled decay, before the moments)
//   Adam:   d = g + λθ                          (L2 decay folded into the gradient)
//   m ← β1m + (1 − β1)d,   v ← β2v + (1 − β2)d²
//   amsgrad: v̂ ← max(v̂, v) and v̂ replaces v below
//   θ ← θ − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
namespace {

// Whether this CPU has fused multiply-add (checked once; x86-64-v3 and later have it, arm64 always).
bool has_fma() {
#if defined(__aarch64__) || defined(__FMA__)
  return true;
#elif defined(__x86_64__) && defined(__GNUC__)
  static const bool yes = __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

// RN(x / c) for the per-step constant c = √(1 − β2ᵗ) in (0, 1], given y = RN(1/c), without the
// divider (Adam's square root and its other division keep it busy): q0 = RN(x·y), then two
// residual corrections q ← RN(q + RN(x − q·c)·y). The first makes q faithful (within one ulp);
// the second is then the correctly rounded quotient by Markstein's theorem (y is within half an
// ulp of 1/c, and every residual x − q·c is exact in an FMA: x = √v is 0 or ≥ 2⁻⁷⁵, so nothing
// underflows). So the result is bit for bit x / c, as PyTorch divides (checked against the division
// on 4·10⁸ quotients, including all-ones significands and binade edges). x = +∞ would give ∞ − ∞
// in the residual, so it passes through; NaN stays NaN.
inline float div_by_constant(float x, float c, float y) {
  float q = x * y;
  float r = std::fma(-q, c, x);
  q = std::fma(r, y, q);
  r = std::fma(-q, c, x);
  q = std::fma(r, y, q);
  return std::isinf(x) ? x : q;
}

// How weight decay enters Adam: not at all, as L2 in the gradient (Adam), or decoupled (AdamW).
enum class Decay { kNone, kL2, kDecoupled };

// The Adam loop, specialised so that the vectorised body holds only the work of the chosen options
// (a runtime `if` is turned into masked operations done on every element, and a masked access to a
// null vmax runs through a slow assist on AMD CPUs). kMarkstein divides √v by the constant through
// div_by_constant (FMA CPUs only).
template <bool kMarkstein, Decay kDecay, bool kAmsgrad>
__attribute__((always_inline)) inline void adam_loop(float* p, const float* g, float* m, float* v, float* vmax, long n,
                                                     const AdamHyper& h) {
  const float b1 = h.beta1, b2 = h.beta2, c1 = h.one_minus_beta1, c2 = h.one_minus_beta2;
  const float wd = h.weight_decay, shrink = h.decay_factor, eps = h.eps;
  const float neg_step = -h.step_size, bc2 = h.bias_correction2_sqrt, inv_bc2 = 1.0f / bc2;
  for (long i = 0; i < n; i++) {
    const float theta = kDecay == Decay::kDecoupled ? p[i] * shrink : p[i];
    const float d = kDecay == Decay::kL2 ? g[i] + wd * theta : g[i];
    const float mi = m[i] * b1 + c1 * d;
    float vi = v[i] * b2 + c2 * d * d;
    m[i] = mi;
    v[i] = vi;
    if (kAmsgrad) {
      vi = std::max(vmax[i], vi);
      vmax[i] = vi;
    }
    const float s = std::sqrt(vi);
    const float denom = (kMarkstein ? div_by_constant(s, bc2, inv_bc2) : s / bc2) + eps;
    p[i] = theta + neg_step * mi / denom;
  }
}

template <bool kMarkstein, Decay kDecay>
__attribute__((always_inline)) inline void adam_with(float* p, const float* g, float* m, float* v, float* vmax, long n,
                                                     const AdamHyper& h) {
  if (vmax != nullptr)
    adam_loop<kMarkstein, kDecay, true>(p, g, m, v, vmax, n, h);
  else
    adam_loop<kMarkstein, kDecay, false>(p, g, m, v, vmax, n, h);
}

template <bool kMarkstein>
__attribute__((always_inline)) inline void adam_dispatch(float* p, const float* g, float* m, float* v, float* vmax,
                                                         long n, const AdamHyper& h) {
  if (h.decay_factor != 1.0f)
    adam_with<kMarkstein, Decay::kDecoupled>(p, g, m, v, vmax, n, h);
  else if (h.weight_decay != 0.0f)
    adam_with<kMarkstein, Decay::kL2>(p, g, m, v, vmax, n, h);
  else
    adam_with<kMarkstein, Decay::kNone>(p, g, m, v, vmax, n, h);
}

}  // namespace

NG_CLONES void adam_step(float* p, const float* g, float* m, float* v, float* vmax, long n, const AdamHyper& h) {
  // Bound by the divider: a square root and two divisions per element. With FMA, the division by
  // the constant √(1 − β2ᵗ) moves to the FMA units (same result).
  if (has_fma())
    adam_dispatch<true>(p, g, m, v, vmax, n, h);
  else
    adam_dispatch<false>(p, g, m, v, vmax, n, h);
}

// Rprop (PyTorch's rule, "Rprop−" with the sign-flip reset; η here are the step-size factors,
// the group's lr only sets the initial Δ):
//   s = sign(g · g_prev);  f = η₊ (s > 0), η₋ (s < 0), 1 (s = 0)
//   Δ ← clamp(f·Δ, Δmin, Δmax)
//   where s < 0: g ← 0 (no move this step, and the next step sees s = 0)
//   θ ← θ − sign(g)·Δ;   g_prev ← g
NG_CLONES void rprop_step(float* p, const float* g, float* prev, float* step_size, long n, const RpropHyper& h) {
  for (long i = 0; i < n; i++) {
    const float prod = g[i] * prev[i];
    const float f = prod > 0.0f ? h.eta_plus : (prod < 0.0f ? h.eta_minus : 1.0f);
    const float step = std::min(std::max(step_size[i] * f, h.step_min), h.step_max);
    step_size[i] = step;
    const float gi = prod < 0.0f ? 0.0f : g[i];
    const float sign = gi > 0.0f ? 1.0f : (gi < 0.0f ? -1.0f : 0.0f);
    p[i] = p[i] + -1.0f * sign * step;
    prev[i] = gi;
  }
}

// Exponential moving average of parameters:  θ' ← decay·θ' + (1 − decay)·θ
NG_CLONES void ema_update(float* avg, const float* p, long n, float decay, float one_minus_decay) {
  for (long i = 0; i < n; i++) avg[i] = avg[i] * decay + one_minus_decay * p[i];
}

}  // namespace ng
