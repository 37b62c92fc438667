// Optimizer step kernels: one function per update rule, each updating one parameter tensor of n
// elements in place. The binding (bindings/optim.cc) loops over all the tensors of a parameter group
// in C++, so one JS→native call updates every parameter of the group.
//
// Shapes: every buffer of one call has the same n elements as the parameter p:
//   p     [n]  parameter, updated in place
//   g     [n]  its gradient (read only; weight decay is applied on the fly, g is never written)
//   state [n]  per-rule buffers (momentum, running averages, step sizes), updated in place
// Scalars arrive as float, converted once from the JS doubles (as PyTorch converts a Python float
// `alpha`/`value` to the tensor's dtype); per-element arithmetic is float32 in PyTorch's order.
#pragma once

namespace ng {

// Whether the step kernels fuse multiply-adds where PyTorch's CPU kernels do (x86-64 with AVX2 and
// FMA, arm64): x.add_(y, alpha=a) then rounds once. Fixed for the process. See optim.cc.
bool optimizer_steps_fuse();

// Every `one_minus_*` is computed in double by the caller and rounded once, as PyTorch's Python does.
struct SgdHyper {
  float lr, momentum, one_minus_dampening, weight_decay;
  bool nesterov;
};
// d = g + λθ;  b ← d if `fresh` (first step with a buffer) else μb + (1−τ)d;
// d ← d + μb (nesterov) or b;  θ ← θ − ηd.   `buf` is null when μ = 0.
void sgd_step(float* p, const float* g, float* buf, bool fresh, long n, const SgdHyper& h);

struct RmspropHyper {
  float lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  bool centered;
};
// d = g + λθ;  v ← αv + (1−α)d²;  centered: ḡ ← αḡ + (1−α)d, s = √(v − ḡ²) + ε, else s = √v + ε;
// momentum: b ← μb + d/s, θ ← θ − ηb;  otherwise θ ← θ − η d/s.
// `grad_avg` is null unless centered, `buf` null unless μ > 0.
void rmsprop_step(float* p, const float* g, float* square_avg, float* grad_avg, float* buf, long n,
                  const RmspropHyper& h);

struct AdamHyper {
  float beta1, beta2, eps;
  float weight_decay;           // L2 (Adam): added to the gradient; 0 for AdamW
  float decay_factor;           // AdamW: θ ← (1 − ηλ)θ first; 1 for Adam
  float step_size;              // η / (1 − β1ᵗ)
  float bias_correction2_sqrt;  // √(1 − β2ᵗ)
  float one_minus_beta1, one_minus_beta2;
  bool amsgrad;
};
// θ ← cθ (c = 1 − ηλ for AdamW, 1 for Adam);  d = g + λθ (Adam's L2; λ = 0 for AdamW);
// m ← β1m + (1−β1)d;  v ← β2v + (1−β2)d²;  amsgrad: v̂ ← max(v̂, v), u = v̂, else u = v;
// θ ← θ − (η/(1−β1ᵗ)) · m / (√u / √(1−β2ᵗ) + ε).   `vmax` is null unless amsgrad.
void adam_step(float* p, const float* g, float* m, float* v, float* vmax, long n, const AdamHyper& h);

struct RpropHyper {
  float eta_minus, eta_plus, step_min, step_max;
};
// s = sign(g·g_prev), f = η₊ if s > 0, η₋ if s < 0, 1 if s = 0;  Δ ← clamp(fΔ, Δmin, Δmax);
// where s < 0, g ← 0 (no move this step);  θ ← θ − sign(g)·Δ;
// g_prev ← g (0 where the sign flipped, so the next step sees s = 0 there).
void rprop_step(float* p, const float* g, float* prev, float* step_size, long n, const RpropHyper& h);

// avg [n] ← decay·avg + (1 − decay)·p     (exponential moving average of parameters)
void ema_update(float* avg, const float* p, long n, float decay, float one_minus_decay);

}  // namespace ng
