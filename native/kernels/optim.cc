// Optimizer step kernels (see optim.h for shapes). Each loop is one pass over the tensor, in the
// operation order of PyTorch's single-tensor implementations (torch/optim/*.py, 1.13), rounding as
// PyTorch's CPU kernels round, so that results agree with PyTorch bit for bit
// (test/optim/rounding.test.ts checks every rule against PyTorch's own output).
// Notation: θ parameter, g gradient, η lr, λ weight decay.
//
// Rounding. PyTorch's `x.add_(y, alpha=a)` and `x.addcmul_(y, z, value=a)` are fused multiply-adds
// on CPUs with AVX2 and FMA (its AVX2 kernels: most x86-64 CPUs since 2013) and on arm64:
// x + a·y rounds once, not twice. Without them (its baseline kernels) each operation rounds. We do
// the same, chosen once per process by `fused()`: fma(y, a, x) where PyTorch fuses, x + a·y with
// two roundings elsewhere. So, like PyTorch's, the last bits of an optimizer's results depend on
// the CPU class, and on a given CPU they are PyTorch's.
#include "kernels/optim.h"

#include <algorithm>
#include <cmath>

#include "kernels/clones.h"

// Function multiversioning (kernels/clones.h): each step kernel is compiled three times — for
// x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline x86-64 (SSE2) — and the loader picks the
// best one the CPU runs (an ifunc, resolved once), so prebuilt binaries still run on any x86-64.
// Adam is bound by its square roots and divisions, which AVX-512 does 16 at a time instead of
// SSE2's 4 (≈ 75 µs over the 235k parameters of the 784-256-128-10 MLP, hot). In those builds
// floating-point contraction is off, so the compiler never fuses on its own: only the explicit
// `fmadd`s below do, where PyTorch does. The clones need GCC and glibc on x86-64; elsewhere (musl,
// clang, other architectures) the baseline builds, and this pragma is not applied, so the
// compiler's default contraction holds there.
#if NG_HAVE_CLONES
#pragma GCC optimize("fp-contract=off")
#endif

namespace ng {
namespace {

// Whether PyTorch's CPU kernels fuse multiply-adds on this CPU (see the top of the file): AVX2 and
// FMA on x86-64 (PyTorch's AVX2 capability), always on arm64. Checked once.
bool fused() {
#if defined(__aarch64__)
  return true;
#elif defined(__x86_64__) && defined(__GNUC__)
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

// x + a·y as PyTorch's `add_(y, alpha=a)` computes it: one rounding if kFused, else two.
template <bool kFused>
__attribute__((always_inline)) inline float fmadd(float y, float a, float x) {
  if constexpr (kFused)
    return std::fma(y, a, x);
  else
    return x + a * y;
}

}  // namespace

bool optimizer_steps_fuse() { return fused(); }

// SGD (PyTorch's rule; the lecture's m ← αm − ηg, θ ← θ + m is the same while η is constant,
// with m = −ηb):
//   d = g + λθ                 grad.add(param, alpha=λ)
//   b ← d                      on the first step with a buffer (no dampening then, as PyTorch)
//   b ← μb + (1 − τ)d          buf.mul_(μ).add_(d, alpha=1 − τ)      afterwards
//   d ← d + μb  (nesterov)  or  d ← b  (μ > 0)
//   θ ← θ − ηd                 param.add_(d, alpha=−η)
namespace {
template <bool kFused>
__attribute__((always_inline)) inline void sgd_loop(float* p, const float* g, float* buf, bool fresh, long n,
                                                    const SgdHyper& h) {
  const float neg_lr = -h.lr, wd = h.weight_decay, mu = h.momentum, keep = h.one_minus_dampening;
  const bool decay = wd != 0.0f;
  if (buf == nullptr) {
    for (long i = 0; i < n; i++) {
      const float d = decay ? fmadd<kFused>(p[i], wd, g[i]) : g[i];
      p[i] = fmadd<kFused>(d, neg_lr, p[i]);
    }
    return;
  }
  for (long i = 0; i < n; i++) {
    float d = decay ? fmadd<kFused>(p[i], wd, g[i]) : g[i];
    const float b = fresh ? d : fmadd<kFused>(d, keep, buf[i] * mu);
    buf[i] = b;
    d = h.nesterov ? fmadd<kFused>(b, mu, d) : b;
    p[i] = fmadd<kFused>(d, neg_lr, p[i]);
  }
}
}  // namespace

NG_CLONES void sgd_step(float* p, const float* g, float* buf, bool fresh, long n, const SgdHyper& h) {
  if (fused())
    sgd_loop<true>(p, g, buf, fresh, n, h);
  else
    sgd_loop<false>(p, g, buf, fresh, n, h);
}

// RMSprop (PyTorch's rule: ε is added outside the square root; the lecture's form divides by
// √(v + ε)):
//   d = g + λθ                                  grad.add(param, alpha=λ)
//   v ← αv + (1 − α)d²                          v.mul_(α).addcmul_(d, d, value=1 − α)
//   centered:  ḡ ← αḡ + (1 − α)d,  s = √(v − ḡ²) + ε       otherwise  s = √v + ε
//   μ > 0:     b ← μb + d/s,  θ ← θ − ηb                    otherwise  θ ← θ − η·d/s
namespace {
template <bool kFused>
__attribute__((always_inline)) inline void rmsprop_loop(float* p, const float* g, float* square_avg, float* grad_avg,
                                                        float* buf, long n, const RmspropHyper& h) {
  const float a = h.alpha, one_minus_a = h.one_minus_alpha, wd = h.weight_decay, eps = h.eps;
  const float neg_lr = -h.lr, mu = h.momentum;
  const bool decay = wd != 0.0f;
  for (long i = 0; i < n; i++) {
    const float d = decay ? fmadd<kFused>(p[i], wd, g[i]) : g[i];
    const float v = fmadd<kFused>(d, one_minus_a * d, square_avg[i] * a);
    square_avg[i] = v;
    float s;
    if (grad_avg != nullptr) {
      const float ga = fmadd<kFused>(d, one_minus_a, grad_avg[i] * a);
      grad_avg[i] = ga;
      s = std::sqrt(fmadd<kFused>(ga, -1.0f * ga, v)) + eps;
    } else {
      s = std::sqrt(v) + eps;
    }
    if (buf != nullptr) {
      const float b = buf[i] * mu + d / s;
      buf[i] = b;
      p[i] = fmadd<kFused>(b, neg_lr, p[i]);
    } else {
      p[i] = p[i] + neg_lr * d / s;
    }
  }
}
}  // namespace

NG_CLONES void rmsprop_step(float* p, const float* g, float* square_avg, float* grad_avg, float* buf, long n,
                            const RmspropHyper& h) {
  if (fused())
    rmsprop_loop<true>(p, g, square_avg, grad_avg, buf, n, h);
  else
    rmsprop_loop<false>(p, g, square_avg, grad_avg, buf, n, h);
}

// Adam / AdamW (PyTorch's rules; t is this parameter's step count, from 1):
//   AdamW:  θ ← (1 − ηλ)θ                      param.mul_(1 − ηλ)   (decoupled decay, first)
//   Adam:   d = g + λθ                          grad.add(param, alpha=λ)   (L2 decay)
//   m ← β1m + (1 − β1)d                         m.mul_(β1).add_(d, alpha=1 − β1)
//   v ← β2v + (1 − β2)d²                        v.mul_(β2).addcmul_(d, d, value=1 − β2)
//   amsgrad: v̂ ← max(v̂, v) and v̂ replaces v below
//   θ ← θ − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
namespace {

// RN(x / c) for the per-step constant c = √(1 − β2ᵗ) in (0, 1], given y = RN(1/c), without the
// divider (Adam's square root and its other division keep it busy): q0 = RN(x·y), then two
// residual corrections q ← RN(q + RN(x − q·c)·y). The first makes q faithful (within one ulp);
// the second is then the correctly rounded quotient by Markstein's theorem (y is within half an
// ulp of 1/c, and every residual x − q·c is exact in an FMA: x = √v is 0 or ≥ 2⁻⁷⁵, so nothing
// underflows). So the result is bit for bit x / c, as PyTorch divides (checked against the division
// on 4·10⁸ quotients, including all-ones significands and binade edges). x = +∞ would give ∞ − ∞
// in the residual, so it passes through; NaN stays NaN. Used when fused(): exact with any std::fma,
// fast where it is an instruction (the x86-64-v3/v4 clones, arm64).
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
// null vmax runs through a slow assist on AMD CPUs). kFused: PyTorch's fused multiply-adds, and √v
// divided by the constant through div_by_constant.
template <bool kFused, Decay kDecay, bool kAmsgrad>
__attribute__((always_inline)) inline void adam_loop(float* p, const float* g, float* m, float* v, float* vmax, long n,
                                                     const AdamHyper& h) {
  const float b1 = h.beta1, b2 = h.beta2, c1 = h.one_minus_beta1, c2 = h.one_minus_beta2;
  const float wd = h.weight_decay, shrink = h.decay_factor, eps = h.eps;
  const float neg_step = -h.step_size, bc2 = h.bias_correction2_sqrt, inv_bc2 = 1.0f / bc2;
  for (long i = 0; i < n; i++) {
    const float theta = kDecay == Decay::kDecoupled ? p[i] * shrink : p[i];
    const float d = kDecay == Decay::kL2 ? fmadd<kFused>(theta, wd, g[i]) : g[i];
    const float mi = fmadd<kFused>(d, c1, m[i] * b1);
    float vi = fmadd<kFused>(d, c2 * d, v[i] * b2);
    m[i] = mi;
    v[i] = vi;
    if (kAmsgrad) {
      vi = std::max(vmax[i], vi);
      vmax[i] = vi;
    }
    const float s = std::sqrt(vi);
    const float denom = (kFused ? div_by_constant(s, bc2, inv_bc2) : s / bc2) + eps;
    p[i] = theta + neg_step * mi / denom;
  }
}

template <bool kFused, Decay kDecay>
__attribute__((always_inline)) inline void adam_with(float* p, const float* g, float* m, float* v, float* vmax, long n,
                                                     const AdamHyper& h) {
  if (vmax != nullptr)
    adam_loop<kFused, kDecay, true>(p, g, m, v, vmax, n, h);
  else
    adam_loop<kFused, kDecay, false>(p, g, m, v, vmax, n, h);
}

template <bool kFused>
__attribute__((always_inline)) inline void adam_dispatch(float* p, const float* g, float* m, float* v, float* vmax,
                                                         long n, const AdamHyper& h) {
  if (h.decay_factor != 1.0f)
    adam_with<kFused, Decay::kDecoupled>(p, g, m, v, vmax, n, h);
  else if (h.weight_decay != 0.0f)
    adam_with<kFused, Decay::kL2>(p, g, m, v, vmax, n, h);
  else
    adam_with<kFused, Decay::kNone>(p, g, m, v, vmax, n, h);
}

}  // namespace

NG_CLONES void adam_step(float* p, const float* g, float* m, float* v, float* vmax, long n, const AdamHyper& h) {
  // Bound by the divider: a square root and two divisions per element. Where PyTorch fuses, the
  // division by the constant √(1 − β2ᵗ) moves to the FMA units too (same result).
  if (fused())
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

// Exponential moving average of parameters:  θ' ← decay·θ' + (1 − decay)·θ, rounded as PyTorch
// code writes it (avg.mul_(decay).add_(p, alpha=1 − decay)).
namespace {
template <bool kFused>
__attribute__((always_inline)) inline void ema_loop(float* avg, const float* p, long n, float decay,
                                                    float one_minus_decay) {
  for (long i = 0; i < n; i++) avg[i] = fmadd<kFused>(p[i], one_minus_decay, avg[i] * decay);
}
}  // namespace

NG_CLONES void ema_update(float* avg, const float* p, long n, float decay, float one_minus_decay) {
  if (fused())
    ema_loop<true>(avg, p, n, decay, one_minus_decay);
  else
    ema_loop<false>(avg, p, n, decay, one_minus_decay);
}

}  // namespace ng
