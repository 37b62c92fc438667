// OpenBLAS's thread count: the one place that sets it (openblas_set_num_threads).
//
// The pool is the number of threads one product may use:
//   - ng.setNumThreads(n) once called: n, whatever else runs;
//   - otherwise OpenBLAS's count when the addon first loaded (OPENBLAS_NUM_THREADS, else the cores),
//     and 1 while several addon instances are alive (the main thread and worker_threads, each
//     training its own model: several sgemms each fanning out over every core fight for them,
//     many times slower on 2 cores than one thread each).
//
// Each sgemm runs on gemm_threads(M, K, N, pool) threads, a fixed rule of its shape (see
// blas_threads.cc). OpenBLAS's 1-thread and multi-thread sgemm round differently in the last bits,
// so a rule that depends on nothing but the shape and the pool makes every result reproducible: the
// same run gives the same bits in every process with the same pool, whatever else loads the machine.
//
// OpenBLAS's count is process-wide. A GemmThreads guard sets it for the calls in its scope; calls
// from several threads that need the same count run at once, a call that needs another count
// waits until the running ones are done, so no count changes under a running product. Between
// calls the count is the pool, so OpenBLAS work outside a guard (LAPACK) uses the pool.
#pragma once
#include <string>

namespace ng {

// Threads the rule gives out [M, N] = op(a) [M, K] · op(b) [K, N] with a pool of `pool` threads.
int gemm_threads(long M, long K, long N, int pool);

// Runs the OpenBLAS calls made in its scope on gemm_threads(M, K, N, pool) threads.
class GemmThreads {
 public:
  GemmThreads(long M, long K, long N);
  ~GemmThreads();
  GemmThreads(const GemmThreads&) = delete;
  GemmThreads& operator=(const GemmThreads&) = delete;
};

// ng.setNumThreads(n): the pool becomes n (OpenBLAS may cap it at its MAX_THREADS), whatever else
// is alive. Returns the pool.
int blas_set_user_threads(int n);
// ng.getNumThreads(): the pool.
int blas_pool_threads();

// An addon instance starting or ending (addon.cc): the pool is 1 while more than one is alive,
// unless the user chose a count.
void blas_instance_started();
void blas_instance_ended();

// One line for ng.blasConfig(): OpenBLAS's build, its CPU kernel, the cores, the pool and where it
// comes from, and the rule.
std::string blas_config();

}  // namespace ng
