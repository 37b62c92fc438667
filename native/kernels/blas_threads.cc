#include "kernels/blas_threads.h"

#include <cblas.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace ng {

// ---- the rule (see blas_threads.h) ----
//
//   threads = 1                                    when min(M, N) < 32 (an output of few rows or
//                                                  columns: OpenBLAS splits it badly)
//           = min(pool, ⌊2·M·K·N / 2 MFLOP⌋) ≥ 1   otherwise: one thread per 2 MFLOP, so 2 threads
//                                                  from 4 MFLOP
//
// Why these thresholds: OpenBLAS 0.3.21's sgemm (Haswell kernels) on 2 cores of an AMD EPYC,
// 2 threads' time over 1 thread's, median of paired rounds, on a quiet machine / with the second
// core busy part of the time:
//   - 4 MFLOP and more, both output sides ≥ 32: 0.51-0.66 / 0.65-0.96, every transposition (one
//     exception: 2048 x 32 x 32 at 0.70 / 1.24);
//   - 1.8-3.2 MFLOP: 0.61-0.74 when quiet, but 0.73-1.36 with a busy second core (doutᵀ·x, the
//     weight gradient, loses most);
//   - fewer than 32 output rows or columns: 1.1-1.8 with a busy second core (10-class outputs,
//     16 or 24 columns, 20 or 24 rows); 10-class outputs lose even on a quiet machine (0.95-1.3
//     up to 16 MFLOP, the largest measured), 16 rows win there (0.6-0.75);
//   - M·N·K ≤ 262144 (0.52 MFLOP): OpenBLAS runs 1 thread whatever the count.
// A larger pool gets one thread per 2 MFLOP, the same work per thread as 2 threads at the threshold.
constexpr double kFlopsPerThread = 2e6;
constexpr long kMinSide = 32;

int gemm_threads(long M, long K, long N, int pool) {
  if (pool <= 1 || std::min(M, N) < kMinSide) return 1;
  const double per_thread = 2.0 * (double)M * (double)K * (double)N / kFlopsPerThread;
  return per_thread < 2 ? 1 : (int)std::min<double>(pool, per_thread);
}

// ---- the process-wide count ----

namespace {

struct State {
  std::mutex mutex;
  std::condition_variable idle;  // notified when no guarded call is running
  int pool = 0;                  // 0 until the first use reads OpenBLAS's count
  int initial = 0;               // OpenBLAS's count at the first use
  int set = 0;                   // OpenBLAS's count, as last set here
  int running = 0;               // guarded calls in flight, all on `set` threads
  int waiting = 0;               // calls waiting for the running ones to end
  int instances = 0;             // live addon instances
  bool user = false;             // ng.setNumThreads was called
};

// Never destroyed: a worker may still run an sgemm while the process exits.
State& state() {
  static State* s = new State();
  return *s;
}

// With the mutex held.
void init(State& s) {
  if (s.pool > 0) return;
  s.initial = s.pool = s.set = std::max(1, openblas_get_num_threads());
}

// With the mutex held and no guarded call running: OpenBLAS's count becomes n. Its own count is
// read rather than `set` trusted, in case code outside this module changed it.
void set_count(State& s, int n) {
  if (openblas_get_num_threads() != n) openblas_set_num_threads(n);
  s.set = n;
}

// With the mutex held: OpenBLAS's count follows the pool once no guarded call runs.
void settle(State& s) {
  if (s.running > 0) return;
  set_count(s, s.pool);
  if (s.waiting > 0) s.idle.notify_all();
}

// With the mutex held: the pool the instances and the user's choice give.
void update_pool(State& s) {
  if (!s.user) s.pool = s.instances > 1 ? 1 : s.initial;
  settle(s);
}

}  // namespace

GemmThreads::GemmThreads(long M, long K, long N) {
  State& s = state();
  std::unique_lock<std::mutex> lock(s.mutex);
  init(s);
  for (;;) {
    const int t = gemm_threads(M, K, N, s.pool);
    if (s.running == 0) {
      set_count(s, t);
      break;
    }
    // join the running calls only if they use this count and nobody waits for another
    if (s.set == t && s.waiting == 0) break;
    s.waiting++;
    s.idle.wait(lock);
    s.waiting--;
  }
  s.running++;
}

GemmThreads::~GemmThreads() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.running--;
  settle(s);
}

int blas_set_user_threads(int n) {
  State& s = state();
  std::unique_lock<std::mutex> lock(s.mutex);
  init(s);
  s.waiting++;
  s.idle.wait(lock, [&] { return s.running == 0; });
  s.waiting--;
  openblas_set_num_threads(std::max(1, n));
  s.user = true;
  s.pool = s.set = std::max(1, openblas_get_num_threads());
  settle(s);
  return s.pool;
}

int blas_pool_threads() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  init(s);
  return s.pool;
}

void blas_instance_started() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  init(s);
  s.instances++;
  update_pool(s);
}

void blas_instance_ended() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.instances--;
  update_pool(s);
}

std::string blas_config() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  init(s);
  std::string out = openblas_get_config();
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += "; core " + std::string(openblas_get_corename());
  out += "; " + std::to_string(openblas_get_num_procs()) + " cores";
  out += "; pool " + std::to_string(s.pool) + (s.pool == 1 ? " thread" : " threads");
  if (s.user)
    out += " (set by ng.setNumThreads)";
  else if (s.instances > 1)
    out += " (default: 1 while " + std::to_string(s.instances) + " addon instances are alive)";
  else
    out += " (default: OPENBLAS_NUM_THREADS or the cores)";
  out += "; sgemm threads: 1 when min(M, N) < " + std::to_string(kMinSide) + ", else one per " +
         std::to_string((int)(kFlopsPerThread / 1e6)) + " MFLOP of 2·M·K·N, at least 1, at most the pool";
  return out;
}

}  // namespace ng
