// Batch normalisation over the batch of a [N, C] or [N, C, L] input (PyTorch's BatchNorm1d).
//
//   N batch, C channels (features), L length (1 for a 2-D input); statistics per channel over
//   the M = N·L values x[n, c, l].
//
//   forward (batch statistics, training)
//     μ_c = (1/M) Σ x,   σ²_c = (1/M) Σ (x − μ_c)²                 biased, for normalising
//     rstd_c = 1/√(σ²_c + eps)                                       mean and rstd cached [C]
//     y = (x − μ_c)·rstd_c·γ_c + β_c                                 (γ = 1, β = 0 without affine)
//     running_mean ← (1 − f)·running_mean + f·μ_c
//     running_var  ← (1 − f)·running_var  + f·σ²_c·M/(M − 1)         unbiased, as PyTorch
//     (f = momentum, or 1/num_batches_tracked for a cumulative average; chosen by the caller)
//   forward (running statistics, evaluation)
//     μ_c = running_mean_c, rstd_c = 1/√(running_var_c + eps), same y
//   backward, with x̂ = (x − μ)·rstd and sums over the M values of a channel:
//     dβ_c += Σ g,   dγ_c += Σ g·x̂
//     batch statistics:   dx += (γ_c·rstd_c / M)·(M·g − Σ g − x̂·Σ g·x̂)     (closed form)
//     running statistics: dx += γ_c·rstd_c·g                               (μ, rstd are constants)
#pragma once

namespace ng {

// running_mean / running_var null: no update. weight / bias null: γ = 1, β = 0.
void batchnorm1d_forward_train(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                               const float* x, const float* weight, const float* bias, long N, long C, long L,
                               float eps, float factor);

void batchnorm1d_forward_eval(float* out, float* mean, float* rstd, const float* x, const float* running_mean,
                              const float* running_var, const float* weight, const float* bias, long N, long C, long L,
                              float eps);

// dx, dweight, dbias may be null. batch_stats: whether the forward normalised with batch statistics.
void batchnorm1d_backward(float* dx, float* dweight, float* dbias, const float* dout, const float* x, const float* mean,
                          const float* rstd, const float* weight, long N, long C, long L, bool batch_stats);

}  // namespace ng
