// Module registration. Each file in bindings/ registers its own exports (NG_REGISTER).
// Each instance (the main thread, each worker) tells kernels/blas_threads.h that it started and
// ended: OpenBLAS's pool is shared by the process, and sized by how many instances are alive.
#include <vector>

#include "bindings/common.h"
#include "kernels/blas_threads.h"

namespace ng {

static std::vector<InitFn>& registry() {
  static std::vector<InitFn> fns;
  return fns;
}
int register_binding(InitFn fn) {
  registry().push_back(fn);
  return 0;
}

static void instance_ended(void*) { blas_instance_ended(); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Per-instance state; Node deletes it when this environment (thread) is torn down.
  env.SetInstanceData<Instance>(new Instance());
  blas_instance_started();
  napi_add_env_cleanup_hook(env, instance_ended, nullptr);
  for (InitFn fn : registry()) fn(env, exports);
  return exports;
}

}  // namespace ng

static Napi::Object InitNativegrad(Napi::Env env, Napi::Object exports) { return ng::Init(env, exports); }
NODE_API_MODULE(nativegrad, InitNativegrad)
