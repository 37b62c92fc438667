// The training step of a chain of Linear layers (each optionally followed by ReLU) under a
// softmax cross-entropy loss, as one call: forward, loss, backward. It runs the same kernels, in
// the same order and on the same kinds of buffers, as the autograd tape does for
// nn.Sequential(Linear, ReLU, …, Linear) + CrossEntropyLoss, so its results are bit for bit the
// tape's; it only skips the JS between them (lib/train/compiled_step.ts).
#pragma once
#include <cstdint>

#include "kernels/softmax_xent.h"

namespace ng {

struct SeqLayer {
  const float* w;  // [O, I]
  const float* b;  // [O] or null (no bias)
  float* dw;       // [O, I] accumulated into, or null (frozen weight)
  float* db;       // [O] accumulated into, or null (no bias, or frozen)
  float* y;        // [N, O] the layer's output (after its ReLU when relu)
  float* dy;       // [N, O] the gradient of y (written by the backward; zeroed first)
  long I, O;
  bool relu;
};

// Forward through layers[0 … L), softmax cross-entropy of the last output against class indices
// (label smoothing `smoothing`, class weights `weight` [K] or null, rows of class `ignore` left
// out as softmax_xent_forward does), then the backward down to layer `first` (the lowest layer with a
// gradient to accumulate; layers below it need none, and neither does x). The loss gradient is
// `scale` per row (1/N for a mean, 1 for a sum). Writes probs [N, K], lse [N] and row_loss [N]
// (the softmax cache and per-row losses, as the cross-entropy op) and returns Σ_n loss_n.
double sequential_xent_step(const SeqLayer* layers, long L, long first, const float* x, long N, const int32_t* classes,
                            float smoothing, float scale, float* probs, float* lse, float* row_loss,
                            const float* weight, long ignore);

}  // namespace ng
