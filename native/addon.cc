// Module registration, and the one piece of process-wide policy: OpenBLAS's thread count.
// Each file in bindings/ registers its own exports (NG_REGISTER).
//
// OpenBLAS keeps one thread pool per process. When several addon instances are alive (the main
// thread and worker_threads, or several workers), each training its own model, their sgemm calls
// would all fan out to that pool and fight over the cores (on 2 cores this is many times slower
// than one thread each). So while more than one instance is alive, and unless the user chose a
// count with ng.setNumThreads, OpenBLAS runs single-threaded; when one instance remains, its
// initial count comes back.
#include <cblas.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "bindings/common.h"

namespace ng {

static std::vector<InitFn>& registry() {
  static std::vector<InitFn> fns;
  return fns;
}
int register_binding(InitFn fn) {
  registry().push_back(fn);
  return 0;
}

static std::mutex threads_mutex;
static int live_instances = 0;
static int initial_threads = 0;
static bool user_chose_threads = false;

void threads_set_by_user() {
  std::lock_guard<std::mutex> lock(threads_mutex);
  user_chose_threads = true;
}

static void instance_started() {
  std::lock_guard<std::mutex> lock(threads_mutex);
  if (live_instances == 0 && initial_threads == 0) initial_threads = openblas_get_num_threads();
  live_instances++;
  if (live_instances > 1 && !user_chose_threads) openblas_set_num_threads(1);
}

static void instance_ended(void*) {
  std::lock_guard<std::mutex> lock(threads_mutex);
  live_instances--;
  if (live_instances == 1 && !user_chose_threads && initial_threads > 0) openblas_set_num_threads(initial_threads);
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Per-instance state; Node deletes it when this environment (thread) is torn down.
  env.SetInstanceData<Instance>(new Instance());
  instance_started();
  napi_add_env_cleanup_hook(env, instance_ended, nullptr);
  for (InitFn fn : registry()) fn(env, exports);
  return exports;
}

}  // namespace ng

static Napi::Object InitNativegrad(Napi::Env env, Napi::Object exports) { return ng::Init(env, exports); }
NODE_API_MODULE(nativegrad, InitNativegrad)
