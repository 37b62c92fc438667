// Softmax + cross-entropy, fused: one pass over the logits forward, one backward.
//
//   N  batch rows, K classes; logits [N, K]
//   target distribution t [N, K], built on the fly (never materialised):
//     class indices   t_n = (1 − ε)·onehot(y_n) + ε/K
//     probabilities   t_n = (1 − ε)·target_n     + ε/K
//   with ε the label smoothing (0 by default), as PyTorch's cross_entropy(label_smoothing=ε).
//   Class weights w [K] (PyTorch's weight=) scale each term: the loss uses c_nk = w_k t_nk.
//   With class indices, a row whose class is `ignore` (PyTorch's ignore_index) has loss 0 and no
//   gradient; the caller divides a 'mean' by Σ w_{y_n} over the other rows (see cross_entropy.ts).
//
//   forward   m_n   = max_k x_nk,   lse_n = m_n + log Σ_k exp(x_nk − m_n)
//             p_nk  = exp(x_nk − lse_n)                       cached for backward   [N, K]
//             loss_n = Σ_k t_nk (lse_n − x_nk)                = −Σ_k t_nk log p_nk  [N]
//             (lse_n − x_nk is formed as (m_n − x_nk) + log Σ, so logits of ±1e4 stay finite)
//   backward  with S_n = Σ_k c_nk (1 for class indices without weights) and g_n the gradient of loss_n:
//             dlogits [n, k] += g_n (p_nk S_n − c_nk)
//             dtarget [n, k] += g_n (1 − ε) w_k (lse_n − x_nk)   (probability targets only)
#pragma once
#include <cstdint>
#include <limits>

namespace ng {

// `ignore` when no class is ignored (no int32 class index equals it).
constexpr long kNoIgnore = std::numeric_limits<long>::min();

// Writes loss [N], probs [N, K] and lse [N]; returns Σ_n loss_n (accumulated in double).
// Exactly one of classes [N] (each in [0, K) or equal to `ignore`) and target [N, K] is non-null;
// weight [K] may be null (all 1).
double softmax_xent_forward(float* loss, float* probs, float* lse, const float* logits, const int32_t* classes,
                            const float* target, long N, long K, float smoothing, const float* weight = nullptr,
                            long ignore = kNoIgnore);

// g_n = scale · dloss[n · dloss_stride]  (stride 0: one gradient for the reduced loss; 1: per row).
// dlogits and dtarget may be null; dtarget is only used with probability targets.
void softmax_xent_backward(float* dlogits, float* dtarget, const float* dloss, long dloss_stride, float scale,
                           const float* probs, const float* lse, const float* logits, const int32_t* classes,
                           const float* target, long N, long K, float smoothing, const float* weight = nullptr,
                           long ignore = kNoIgnore);

}  // namespace ng
