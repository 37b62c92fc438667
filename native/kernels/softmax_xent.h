// Softmax + cross-entropy, fused: one pass over the logits forward, one backward.
//
//   N  batch rows, K classes; logits [N, K]
//   target distribution t [N, K], built on the fly (never materialised):
//     class indices   t_n = (1 − ε)·onehot(y_n) + ε/K
//     probabilities   t_n = (1 − ε)·target_n     + ε/K
//   with ε the label smoothing (0 by default), as PyTorch's cross_entropy(label_smoothing=ε).
//
//   forward   m_n   = max_k x_nk,   lse_n = m_n + log Σ_k exp(x_nk − m_n)
//             p_nk  = exp(x_nk − lse_n)                       cached for backward   [N, K]
//             loss_n = Σ_k t_nk (lse_n − x_nk)                = −Σ_k t_nk log p_nk  [N]
//             (lse_n − x_nk is formed as (m_n − x_nk) + log Σ, so logits of ±1e4 stay finite)
//   backward  with S_n = Σ_k t_nk (1 for class indices) and g_n the gradient of loss_n:
//             dlogits [n, k] += g_n (p_nk S_n − t_nk)
//             dtarget [n, k] += g_n (1 − ε)(lse_n − x_nk)      (probability targets only)
#pragma once
#include <cstdint>

namespace ng {

// Writes loss [N], probs [N, K] and lse [N]; returns Σ_n loss_n (accumulated in double).
// Exactly one of classes [N] (each in [0, K)) and target [N, K] is non-null.
double softmax_xent_forward(float* loss, float* probs, float* lse, const float* logits, const int32_t* classes,
                            const float* target, long N, long K, float smoothing);

// g_n = scale · dloss[n · dloss_stride]  (stride 0: one gradient for the reduced loss; 1: per row).
// dlogits and dtarget may be null; dtarget is only used with probability targets.
void softmax_xent_backward(float* dlogits, float* dtarget, const float* dloss, long dloss_stride, float scale,
                           const float* probs, const float* lse, const float* logits, const int32_t* classes,
                           const float* target, long N, long K, float smoothing);

}  // namespace ng
