// Mean squared error, element-wise over two tensors of n elements each (PyTorch's mse_loss).
//
//   forward   e_i = (a_i − b_i)²,  returns Σ_i e_i (double accumulator); writes e [n] when asked
//             ('none' reduction); the caller scales by 1/n for 'mean' (PyTorch averages over
//             every element, not per row)
//   backward  with g_i = scale · dout[i · dout_stride] (stride 0: the reduced loss's gradient):
//             da [n] += 2 g_i (a_i − b_i),   db [n] −= 2 g_i (a_i − b_i)
#pragma once

namespace ng {

// each may be null: no per-element output
double mse_forward(float* each, const float* a, const float* b, long n);

// da, db may be null
void mse_backward(float* da, float* db, const float* dout, long dout_stride, float scale, const float* a,
                  const float* b, long n);

}  // namespace ng
