#include "kernels/sequential.h"

#include <cstring>

#include "kernels/linear.h"
#include "kernels/softmax_xent.h"

namespace ng {

double sequential_xent_step(const SeqLayer* layers, long L, long first, const float* x, long N, const int32_t* classes,
                            float smoothing, float scale, float* probs, float* lse, float* row_loss,
                            const float* weight, long ignore) {
  // forward: every output is written whole (bias rows, or beta = 0), as Sequential's forward
  const float* in = x;
  for (long l = 0; l < L; l++) {
    const SeqLayer& s = layers[l];
    if (s.relu)
      linear_relu_forward(s.y, in, s.w, s.b, N, s.I, s.O);
    else
      linear_forward(s.y, in, s.w, s.b, N, s.I, s.O);
    in = s.y;
  }
  const SeqLayer& last = layers[L - 1];
  const long K = last.O;
  const double total =
      softmax_xent_forward(row_loss, probs, lse, last.y, classes, nullptr, N, K, smoothing, weight, ignore);

  // backward: the tape's order. Each gradient of an output starts at zero and is accumulated into,
  // as the tape's pooled buffers are; the parameters' gradients accumulate into .grad.
  const float one = 1.f;  // the seed: d loss / d loss
  std::memset(last.dy, 0, sizeof(float) * (size_t)(N * K));
  softmax_xent_backward(last.dy, nullptr, &one, 0, scale, probs, lse, last.y, classes, nullptr, N, K, smoothing, weight,
                        ignore);
  for (long l = L - 1; l >= first; l--) {
    const SeqLayer& s = layers[l];
    const float* input = l > 0 ? layers[l - 1].y : x;
    float* dx = nullptr;
    if (l > first) {
      dx = layers[l - 1].dy;
      std::memset(dx, 0, sizeof(float) * (size_t)(N * s.I));
    }
    if (s.relu)
      linear_relu_backward(dx, s.dw, s.db, s.dy, s.y, input, s.w, N, s.I, s.O);
    else
      linear_backward(dx, s.dw, s.db, s.dy, input, s.w, N, s.I, s.O);
  }
  return total;
}

}  // namespace ng
